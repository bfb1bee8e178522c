import { describe, expect, it } from 'vitest'
import { BanList } from '../../../../src/node/services/chunks/ban-list.js'
import { decodeProviderList, encodeProviderList, type ProviderRecord } from '../../../../src/node/services/chunks/messages.js'
import { makeContact } from '../../../../src/node/routing/contact.js'
import { createProviderRecord } from '../../../../src/node/services/chunks/provider-record.js'
import { identityOfRank } from './chunk-testnet.js'
import { ProviderRecords, createProviderValue } from '../../../../src/node/services/chunks/provider-records.js'

const NOW = 1_000_000

/** Records are checked before they reach the table, so unsigned fakes do here. */
function rec (chunk: number, provider: number, expiresAt: number): ProviderRecord {
  return {
    chunkId: Buffer.alloc(32, chunk),
    provider: { id: Buffer.alloc(32, provider), endpoint: { address: '10.0.0.1', port: 1 + provider }, publicKey: Buffer.alloc(32), nonce: Buffer.alloc(8) },
    expiresAt,
    signature: Buffer.alloc(64)
  }
}

const ids = (rs: ProviderRecord[]): number[] => rs.map(r => r.provider.id[0])

describe('ProviderRecords', () => {
  it('keeps records until they expire, oldest provider first, refreshes in place', () => {
    const t = new ProviderRecords()
    expect(t.add(rec(1, 1, NOW + 100), NOW)).toBe(true)
    expect(t.add(rec(1, 2, NOW + 200), NOW)).toBe(true)
    expect(t.add(rec(1, 1, NOW + 300), NOW)).toBe(true) // refresh
    expect(ids(t.get(Buffer.alloc(32, 1), NOW))).toEqual([1, 2])
    expect(t.get(Buffer.alloc(32, 1), NOW)[0].expiresAt).toBe(NOW + 300)
    // An older copy does not shorten a record.
    t.add(rec(1, 1, NOW + 50), NOW)
    expect(t.get(Buffer.alloc(32, 1), NOW)[0].expiresAt).toBe(NOW + 300)
    expect(ids(t.get(Buffer.alloc(32, 1), NOW + 250))).toEqual([1])
    expect(t.get(Buffer.alloc(32, 1), NOW + 300)).toEqual([])
    expect(t.size).toBe(0)
    expect(t.chunks).toBe(0)
    expect(t.add(rec(1, 1, NOW), NOW)).toBe(false) // already expired
  })

  it('bounds providers per chunk: a full chunk takes no newcomer, whatever its TTL, unless a bigger holder yields', () => {
    const t = new ProviderRecords({ maxPerChunk: 3 })
    t.add(rec(1, 1, NOW + 500), NOW)
    t.add(rec(1, 2, NOW + 100), NOW)
    t.add(rec(1, 3, NOW + 400), NOW)
    // A longer lifetime buys nothing: the sender's word costs it nothing.
    expect(t.add(rec(1, 5, NOW + 24 * 3600_000), NOW)).toBe(false)
    expect(ids(t.get(Buffer.alloc(32, 1), NOW))).toEqual([1, 2, 3])
    // Provider 2 holds three records here; provider 5 none: provider 2 gives up its place in chunk 1.
    t.add(rec(7, 2, NOW + 100), NOW)
    t.add(rec(8, 2, NOW + 100), NOW)
    expect(t.add(rec(1, 5, NOW + 100), NOW)).toBe(true)
    expect(ids(t.get(Buffer.alloc(32, 1), NOW))).toEqual([1, 3, 5])
    expect(t.heldFor(Buffer.alloc(32, 2))).toBe(2)
    expect(t.size).toBe(5)
  })

  it('bounds records per provider, and in all by fair shares: a flood only displaces the biggest holder', () => {
    const t = new ProviderRecords({ maxRecords: 10, maxPerProvider: 4 })
    for (let c = 1; c <= 6; c++) expect(t.add(rec(c, 9, NOW + 100), NOW)).toBe(c <= 4) // quota
    expect(t.heldFor(Buffer.alloc(32, 9))).toBe(4)
    for (let p = 1; p <= 6; p++) expect(t.add(rec(100 + p, p, NOW + 100), NOW)).toBe(true) // table full now
    expect(t.size).toBe(10)
    // Provider 20 takes the oldest place of provider 9, the biggest holder...
    expect(t.add(rec(120, 20, NOW + 100), NOW)).toBe(true)
    expect(t.has(Buffer.alloc(32, 1), NOW)).toBe(false)
    expect(t.heldFor(Buffer.alloc(32, 9))).toBe(3)
    // ...but a provider holding one record can push out nobody holding fewer than three.
    t.add(rec(121, 20, NOW + 100), NOW) // 9 → 2, 20 → 2
    expect(t.add(rec(130, 1, NOW + 100), NOW)).toBe(false) // everyone holds ≤ 2: nobody yields to 1 → 2
    expect(t.size).toBe(10)
    // Expired records make room first.
    expect(t.add(rec(131, 30, NOW + 3000), NOW + 2000)).toBe(true)
    expect(t.size).toBe(1)
  })

  it('weighs shares by rank: many cheap identities cannot push out a provider that invested in its identity', () => {
    const t = new ProviderRecords({ maxRecords: 12, maxPerProvider: 10 })
    const publisher = identityOfRank(10)
    const cheap = Array.from({ length: 6 }, () => identityOfRank(2))
    const ep = { address: '198.51.100.3', port: 4000 }
    for (let c = 0; c < 10; c++) expect(t.add(createProviderRecord(publisher, ep, Buffer.alloc(32, c), NOW + 1000), NOW)).toBe(true)
    cheap.forEach((id, i) => { t.add(createProviderRecord(id, ep, Buffer.alloc(32, 100 + i), NOW + 1000), NOW) })
    // Ten records of a rank-10 identity weigh less than one of a rank-2 identity: the Sybils push out each other, if anyone.
    expect(t.heldFor(publisher.id)).toBe(10)
    expect(t.size).toBe(12)
  })

  it('prunes expired records', () => {
    const t = new ProviderRecords()
    for (let i = 0; i < 10; i++) t.add(rec(i, 1, NOW + i * 10 + 1), NOW)
    expect(t.prune(NOW + 50)).toBe(5)
    expect(t.chunks).toBe(5)
  })

  it('answers FIND_VALUE with its own record first, or nothing; misses name the peer that asked', () => {
    const t = new ProviderRecords()
    t.add(rec(1, 2, NOW + 100), NOW)
    t.add(rec(1, 9, NOW + 100), NOW)
    const misses: Array<[number, number]> = []
    const v = createProviderValue({
      records: t,
      now: () => NOW,
      selfRecord: (id) => id[0] === 1 ? rec(1, 9, NOW + 999) : undefined,
      onMiss: (id, from) => { misses.push([id[0], from.id[0]]) }
    })
    const got = decodeProviderList(v.get(Buffer.alloc(32, 1)) as Uint8Array)
    expect(ids(got)).toEqual([9, 2]) // self first, not twice
    expect(got[0].expiresAt).toBe(NOW + 999)
    expect(v.get(Buffer.alloc(32, 3))).toBeUndefined()
    expect(v.get(Buffer.alloc(5))).toBeUndefined()
    v.onMiss(Buffer.alloc(32, 3), makeContact(Buffer.alloc(32, 44), { address: '198.51.100.1', port: 1 }), 1)
    v.onMiss(Buffer.alloc(5), makeContact(Buffer.alloc(32, 44), { address: '198.51.100.1', port: 1 }), 1)
    expect(misses).toEqual([[3, 44]])
  })
})

describe('createProviderValue', () => {
  it('keeps records offered along a lookup path only from a peer whose query for that key missed here lately', () => {
    let now = NOW
    const t = new ProviderRecords()
    const v = createProviderValue({ records: t, now: () => now, usable: () => true })
    const key = Buffer.alloc(32, 1)
    const list = Buffer.from(encodeProviderList([rec(1, 2, NOW + 60 * 60_000)]))
    const searcher = makeContact(Buffer.alloc(32, 50), { address: '198.51.100.1', port: 1 })
    const other = makeContact(Buffer.alloc(32, 51), { address: '198.51.100.2', port: 2 })
    // Unasked, a flood of offers for random keys is refused.
    expect(v.cache(key, list, searcher)).toBe(false)
    v.onMiss(key, searcher, 1)
    expect(v.cache(key, list, other)).toBe(false)
    expect(v.cache(Buffer.alloc(32, 2), Buffer.from(encodeProviderList([rec(2, 2, NOW + 60 * 60_000)])), searcher)).toBe(false)
    now += 11 * 60_000
    expect(v.cache(key, list, searcher)).toBe(false) // too long ago
    v.onMiss(key, searcher, 2)
    expect(v.cache(key, list, searcher)).toBe(true)
    expect(ids(t.get(key, now))).toEqual([2])
  })
})

describe('BanList', () => {
  it('bans until the ban expires', () => {
    let t = 0
    const b = new BanList(() => t, 1000)
    b.ban(Buffer.alloc(32, 1), 'bad slice')
    expect(b.has(Buffer.alloc(32, 1))).toBe(true)
    expect(b.list()[0].reason).toBe('bad slice')
    t = 999
    expect(b.has(Buffer.alloc(32, 1))).toBe(true)
    t = 1000
    expect(b.has(Buffer.alloc(32, 1))).toBe(false)
    expect(b.size).toBe(0)
  })

  it('is bounded, forgetting the oldest ban', () => {
    const b = new BanList(() => 0, 1000, 3)
    for (let i = 1; i <= 4; i++) b.ban(Buffer.alloc(32, i), 'x')
    expect(b.size).toBe(3)
    expect(b.has(Buffer.alloc(32, 1))).toBe(false)
    expect(b.has(Buffer.alloc(32, 4))).toBe(true)
    expect(b.unban(Buffer.alloc(32, 4))).toBe(true)
    expect(b.has(Buffer.alloc(32, 4))).toBe(false)
  })
})
