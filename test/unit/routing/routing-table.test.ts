import { describe, expect, it } from 'vitest'
import { RoutingTable } from '../../../src/node/routing/routing-table.js'
import { makeContact, type Contact } from '../../../src/node/routing/contact.js'
import { bucketOf, randomIdInBucket } from '../../../src/node/routing/bucket-layout.js'
import { compareDistance } from '../../../src/node/routing/distance.js'
import { Prng } from '../../../src/node/routing/simulator/prng.js'

const prng = new Prng(7)
const self = prng.bytes(32)
const ep = { address: '10.0.0.1', port: 7000 }
const MIN = 60_000
const T0 = 100 * MIN

function contactIn (level: number, sub: number, fields: Partial<Contact> = {}): Contact {
  return makeContact(randomIdInBucket(self, { level, sub }, 2, prng.bytes(32)), ep, fields)
}

/** A table whose bucket (3, 1) is full, members connected at staggered times. */
function fullBucket (): { table: RoutingTable, members: Contact[] } {
  const table = new RoutingTable(self, { k: 4, subBucketBits: 2, questionableAfterMs: 15 * MIN })
  const members: Contact[] = []
  for (let i = 0; i < 4; i++) {
    const c = contactIn(3, 1, { connectedSince: T0 - (i + 1) * 24 * 60 * MIN, rttMs: 40 })
    expect(table.add(c, T0).kind).toBe('added')
    members.push(c)
  }
  return { table, members }
}

describe('RoutingTable', () => {
  it('adds, updates in place, and refuses our own id or a malformed id', () => {
    const table = new RoutingTable(self)
    const c = contactIn(0, 0, { connectedSince: 5 })
    expect(table.add(c, T0).kind).toBe('added')
    const moved = { ...c, endpoint: { address: '10.0.0.9', port: 1 }, rttMs: 33 }
    const r = table.add(moved, T0 + 1)
    expect(r.kind).toBe('updated')
    expect(table.get(c.id)?.endpoint.address).toBe('10.0.0.9')
    expect(table.get(c.id)?.connectedSince).toBe(5)
    expect(table.size).toBe(1)
    expect(table.add(makeContact(self, ep), T0)).toEqual({ kind: 'rejected', reason: 'self' })
    expect(table.add(makeContact(Buffer.alloc(5), ep), T0)).toEqual({ kind: 'rejected', reason: 'bad-id' })
  })

  it('keeps a proven rank when the same contact comes back with its key but no nonce', () => {
    const table = new RoutingTable(self)
    const key = prng.bytes(32)
    const nonce = prng.bytes(8)
    const c = contactIn(0, 0, { publicKey: key, nonce, rank: 12 })
    table.add(c, T0)
    // As a NODES reply sends it by default: key, no nonce, rank unknown (0).
    expect(table.add({ ...c, nonce: undefined, rank: 0, rttMs: 50 }, T0 + 1).kind).toBe('updated')
    expect(table.get(c.id)).toMatchObject({ publicKey: key, nonce, rank: 12, rttMs: 50 })
    // A record with a nonce (a handshake) replaces both.
    const nonce2 = prng.bytes(8)
    table.add({ ...c, nonce: nonce2, rank: 3 }, T0 + 2)
    expect(table.get(c.id)).toMatchObject({ nonce: nonce2, rank: 3 })
  })

  it('refines a level into sub-buckets of k each', () => {
    const table = new RoutingTable(self, { k: 3, subBucketBits: 2 })
    for (let sub = 0; sub < 4; sub++) for (let i = 0; i < 5; i++) table.add(contactIn(0, sub), T0)
    expect(table.size).toBe(12)
    const snapshot = table.buckets(T0)
    expect(snapshot.map(b => b.contacts.length)).toEqual([3, 3, 3, 3])
  })

  it('a full bucket caches a newcomer while its members are fresh (no ping)', () => {
    const { table, members } = fullBucket()
    const newcomer = contactIn(3, 1)
    expect(table.add(newcomer, T0 + MIN).kind).toBe('cached')
    expect(table.has(newcomer.id)).toBe(false)
    expect(table.buckets(T0).find(b => b.ref.level === 3)?.replacements.map(c => c.id)).toEqual([newcomer.id])
    for (const m of members) expect(table.has(m.id)).toBe(true)
  })

  it('pings the least long-lived member before evicting, and keeps it if it answers', () => {
    const { table, members } = fullBucket()
    // 40 minutes without news: every member is questionable; the one challenged is the worst by
    // the seed's order, here the one connected for the shortest time.
    const now = T0 + 40 * MIN
    const newcomer = contactIn(3, 1)
    const r = table.add(newcomer, now)
    expect(r.kind).toBe('ping')
    if (r.kind !== 'ping') return
    // members[0] connected most recently of the four: it is the least long-lived.
    expect(r.oldest.id).toEqual(members[0].id)
    expect(table.add(contactIn(3, 1), now).kind).toBe('cached') // one ping per bucket at a time
    expect(table.resolvePing(r.oldest.id, true, now)).toMatchObject({ kind: 'kept' })
    expect(table.has(members[0].id)).toBe(true)
    expect(table.has(newcomer.id)).toBe(false)
  })

  it('evicts a member that fails the ping and takes the candidate', () => {
    const { table, members } = fullBucket()
    const now = T0 + 40 * MIN
    const newcomer = contactIn(3, 1)
    const r = table.add(newcomer, now)
    expect(r.kind).toBe('ping')
    const out = table.resolvePing(members[0].id, false, now)
    expect(out).toMatchObject({ kind: 'replaced' })
    expect(table.has(members[0].id)).toBe(false)
    expect(table.has(newcomer.id)).toBe(true)
    expect(table.resolvePing(members[0].id, false, now)).toEqual({ kind: 'unknown' })
  })

  it('a higher rank alone does not evict a member: the candidate waits among the replacements', () => {
    const { table, members } = fullBucket()
    const ranked = contactIn(3, 1, { rank: 28 })
    const r = table.add(ranked, T0)
    expect(r.kind).toBe('cached')
    expect(members.every(m => table.has(m.id))).toBe(true)
    expect(table.buckets(T0).find(b => b.ref.level === 3)?.replacements.some(c => c.id.equals(ranked.id))).toBe(true)
  })

  it('a candidate that contributed more takes the worst member\'s place at once', () => {
    const { table, members } = fullBucket()
    const rich = contactIn(3, 1, { contentProvided: 1 << 20 })
    const r = table.add(rich, T0)
    expect(r.kind).toBe('replaced')
    if (r.kind === 'replaced') expect(r.evicted.id).toEqual(members[0].id)
    expect(table.has(rich.id)).toBe(true)
    // The demoted member waits in the replacement cache.
    expect(table.buckets(T0).find(b => b.ref.level === 3)?.replacements.some(c => c.id.equals(members[0].id))).toBe(true)
  })

  it('a failing member is replaced by the next newcomer without a ping', () => {
    const { table, members } = fullBucket()
    table.markFailed(members[2].id, T0)
    const newcomer = contactIn(3, 1)
    const r = table.add(newcomer, T0)
    expect(r.kind).toBe('replaced')
    expect(table.has(members[2].id)).toBe(false)
  })

  it('markFailed swaps in a replacement after maxFailures, drops after dropAfterFailures', () => {
    const { table, members } = fullBucket()
    const spare = contactIn(3, 1)
    table.add(spare, T0) // cached
    expect(table.markFailed(members[1].id, T0).kind).toBe('counted')
    const r = table.markFailed(members[1].id, T0)
    expect(r.kind).toBe('evicted')
    if (r.kind === 'evicted') expect(r.replacement?.id).toEqual(spare.id)
    expect(table.has(spare.id)).toBe(true)
    // No replacement left: a failing member stays (but is not handed out) until dropped.
    for (let i = 0; i < 4; i++) table.markFailed(members[3].id, T0)
    expect(table.has(members[3].id)).toBe(true)
    expect(table.closest(members[3].id, 10).some(c => c.id.equals(members[3].id))).toBe(false)
    expect(table.markFailed(members[3].id, T0).kind).toBe('evicted')
    expect(table.has(members[3].id)).toBe(false)
    expect(table.markFailed(prng.bytes(32), T0).kind).toBe('unknown')
  })

  it('closest() equals a brute-force sort of the table', () => {
    const table = new RoutingTable(self, { k: 8, subBucketBits: 2 })
    // Contacts spread over all levels, dense near self.
    for (let i = 0; i < 3000; i++) {
      const level = Math.min(40, Math.floor(-Math.log2(prng.float() + 1e-12)))
      table.add(contactIn(level, prng.int(4)), T0)
    }
    const all = table.all()
    expect(all.length).toBeGreaterThan(200)
    for (let i = 0; i < 50; i++) {
      const target = i % 5 === 0 ? all[prng.int(all.length)].id : prng.bytes(32)
      const n = 1 + prng.int(30)
      const skip = all[prng.int(all.length)]
      const got = table.closest(target, n, c => c.id.equals(skip.id)).map(c => c.id.toString('hex'))
      const want = all.filter(c => !c.id.equals(skip.id)).sort((a, b) => compareDistance(target, a.id, b.id)).slice(0, n).map(c => c.id.toString('hex'))
      expect(got).toEqual(want)
    }
    expect(table.closest(self, 5).length).toBe(5)
  })

  it('stays bounded whatever is added', () => {
    const table = new RoutingTable(self, { k: 5, subBucketBits: 1, replacements: 3 })
    for (let i = 0; i < 20_000; i++) table.add(makeContact(prng.bytes(32), ep), T0 + i)
    for (const b of table.buckets(T0)) {
      expect(b.contacts.length).toBeLessThanOrEqual(5)
      expect(b.replacements.length).toBeLessThanOrEqual(3)
      for (const c of b.contacts) expect(bucketOf(self, c.id, 1)).toEqual(b.ref)
    }
    expect(table.size).toBe(table.all().length)
  })

  it('reports buckets without activity as stale; a lookup through one postpones it', () => {
    const table = new RoutingTable(self, { refreshAfterMs: 15 * MIN })
    const a = contactIn(0, 0); const b = contactIn(5, 2)
    table.add(a, T0); table.add(b, T0)
    expect(table.staleBuckets(T0 + 10 * MIN)).toEqual([])
    table.touch(a.id, T0 + 10 * MIN)
    expect(table.staleBuckets(T0 + 16 * MIN)).toEqual([{ level: 5, sub: 2 }])
    expect(table.deepestLevel()).toBe(5)
  })
})
