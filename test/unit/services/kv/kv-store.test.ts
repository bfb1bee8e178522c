import { describe, expect, it } from 'vitest'
import { generateIdentity } from '../../../../src/node/identity/identity.js'
import { KvErrorCode } from '../../../../src/node/services/kv/errors.js'
import { type KvPersistence, KvStore } from '../../../../src/node/services/kv/kv-store.js'
import { type KvRecord, decodeRecord, encodeRecord, recordLocation, signRecord } from '../../../../src/node/services/kv/record.js'

const owner = generateIdentity()
const START = 1_700_000_000_000

function clock (): { now: () => number, advance: (ms: number) => void } {
  let t = START
  return { now: () => t, advance: (ms) => { t += ms } }
}

function rec (fields: Partial<Omit<KvRecord, 'namespace' | 'signature'>> = {}, who = owner): KvRecord {
  return signRecord(who, { key: Buffer.from('k'), value: Buffer.from('v'), sequence: 1, expires: START + 60_000, ...fields })
}

const loc = (r: KvRecord): Buffer => recordLocation(r.namespace, r.key)

describe('KvStore', () => {
  it('keeps the highest sequence and refuses a lower one as stale', () => {
    const c = clock()
    const store = new KvStore({ now: c.now })
    expect(store.offer(rec({ sequence: 2, value: Buffer.from('two') }))).toEqual({ accepted: true, changed: true })
    expect(store.offer(rec({ sequence: 1, value: Buffer.from('one') }))).toEqual({ accepted: false, code: KvErrorCode.STALE_SEQUENCE })
    expect(store.get(loc(rec()))?.value.toString()).toBe('two')
    expect(store.offer(rec({ sequence: 3, value: Buffer.from('three') }))).toEqual({ accepted: true, changed: true })
    expect(store.get(loc(rec()))?.value.toString()).toBe('three')
  })

  it('takes an identical copy as accepted-unchanged and a refreshed expiry at the same sequence as newer', () => {
    const store = new KvStore({ now: clock().now })
    const r = rec({ sequence: 4 })
    store.offer(r)
    expect(store.offer(r)).toEqual({ accepted: true, changed: false })
    expect(store.offer(rec({ sequence: 4, expires: START + 30_000 }))).toEqual({ accepted: false, code: KvErrorCode.STALE_SEQUENCE })
    expect(store.offer(rec({ sequence: 4, expires: START + 90_000 }))).toEqual({ accepted: true, changed: true })
  })

  it('refuses bad signatures even with a higher sequence, and expired records', () => {
    const store = new KvStore({ now: clock().now })
    store.offer(rec({ sequence: 1 }))
    const forged = { ...rec({ sequence: 9 }), value: Buffer.from('evil') }
    expect(store.offer(forged)).toEqual({ accepted: false, code: KvErrorCode.BAD_SIGNATURE })
    expect(store.offer(rec({ sequence: 10, expires: START }))).toEqual({ accepted: false, code: KvErrorCode.EXPIRED })
    expect(store.get(loc(rec()))?.sequence).toBe(1)
  })

  it('drops records once they expire', () => {
    const c = clock()
    const store = new KvStore({ now: c.now })
    store.offer(rec({ expires: START + 1000 }))
    store.offer(rec({ key: Buffer.from('other'), expires: START + 5000 }))
    expect(store.size).toBe(2)
    c.advance(1000)
    expect(store.get(loc(rec()))).toBeUndefined()
    expect([...store.records()].map(r => r.key.toString())).toEqual(['other'])
    c.advance(4000)
    expect(store.prune()).toBe(1)
    expect(store.size).toBe(0)
  })

  it('is bounded: a new location is refused when full, until something expires', () => {
    const c = clock()
    const store = new KvStore({ now: c.now, maxRecords: 2 })
    expect(store.offer(rec({ key: Buffer.from('a'), expires: START + 1000 })).accepted).toBe(true)
    expect(store.offer(rec({ key: Buffer.from('b') })).accepted).toBe(true)
    expect(store.offer(rec({ key: Buffer.from('c') }))).toEqual({ accepted: false, code: KvErrorCode.STORE_FULL })
    // A newer version of a held record always fits.
    expect(store.offer(rec({ key: Buffer.from('b'), sequence: 2 })).accepted).toBe(true)
    c.advance(1000)
    expect(store.offer(rec({ key: Buffer.from('c') })).accepted).toBe(true)
    expect(store.size).toBe(2)
  })

  it('saves to and loads from a persistence hook, skipping expired and malformed entries', () => {
    const c = clock()
    const disk = new Map<string, Buffer>()
    const hook: KvPersistence = {
      load: () => disk.values(),
      save: (l, e) => { disk.set(l.toString('hex'), Buffer.from(e)) },
      remove: (l) => { disk.delete(l.toString('hex')) }
    }
    const a = new KvStore({ now: c.now, persistence: hook })
    a.offer(rec({ key: Buffer.from('x'), value: Buffer.from('kept') }))
    a.offer(rec({ key: Buffer.from('y'), expires: START + 10 }))
    expect(disk.size).toBe(2)
    disk.set('junk', Buffer.from('not a record'))
    c.advance(10)
    const b = new KvStore({ now: c.now, persistence: hook })
    expect(b.size).toBe(1)
    expect(b.loadStats).toEqual({ loaded: 1, expired: 1, invalid: 1, truncated: false })
    expect(new KvStore({ now: c.now, persistence: hook, maxRecords: 1 }).loadStats.truncated).toBe(false)
    expect(b.get(loc(rec({ key: Buffer.from('x') })))?.value.toString()).toBe('kept')
    expect(b.getEncoded(loc(rec({ key: Buffer.from('x') })))).toEqual(encodeRecord(rec({ key: Buffer.from('x'), value: Buffer.from('kept') })))
    expect(disk.has(loc(rec({ key: Buffer.from('y') })).toString('hex'))).toBe(false)
  })

  it('holds a record in bytes of its own, not views into the message it came in (which would pin that message)', () => {
    const store = new KvStore({ now: clock().now })
    const bytes = encodeRecord(rec({ value: Buffer.from('small') }))
    // As received: the record's bytes in the middle of a 64 KiB message, decoded in place.
    const message = Buffer.alloc(65_536)
    bytes.copy(message, 1000)
    const received = decodeRecord(message.subarray(1000, 1000 + bytes.length))
    // Its fields are views into something larger: the message, or the 8 KiB pool slab the decoder copied them to.
    expect(received.value.buffer.byteLength).toBeGreaterThan(4 * bytes.length)
    expect(store.offer(received)).toEqual({ accepted: true, changed: true })
    const held = store.get(loc(received))!
    for (const field of [held.namespace, held.key, held.value, held.signature, store.getEncoded(loc(received))!]) {
      expect(field.buffer.byteLength).toBeLessThanOrEqual(2 * bytes.length)
    }
    expect(held.value.toString()).toBe('small')
  })
})
