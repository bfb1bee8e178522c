import { describe, expect, it } from 'vitest'
import { makeContact } from '../../../../src/node/routing/contact.js'
import { CacheOnDemand } from '../../../../src/node/services/chunks/cache-on-demand.js'
import { BandwidthBudget, inRange, storageCost } from '../../../../src/node/services/chunks/sell-policy.js'

const self = Buffer.alloc(32, 0)
const idAt = (bitLength: number): Buffer => {
  const id = Buffer.alloc(32, 0)
  if (bitLength > 0) { const bit = bitLength - 1; id[31 - (bit >> 3)] |= 1 << (bit & 7) }
  return id
}

describe('what a node sells (issue 19 item 7)', () => {
  it('range: chunks within `range` bits of the node id (the bit length of NID ⊕ CID); 256 is every chunk', () => {
    expect(inRange(self, idAt(200), 200)).toBe(true)
    expect(inRange(self, idAt(201), 200)).toBe(false)
    expect(inRange(self, idAt(256), 256)).toBe(true)
    expect(inRange(self, idAt(256))).toBe(true)
    expect(inRange(self, idAt(0), 0)).toBe(true)
    expect(inRange(self, idAt(1), 0)).toBe(false)
  })

  it('storage is priced per byte-week, whole units, at least 1', () => {
    const week = 7 * 86_400_000
    expect(storageCost(1_000_000, week, 1)).toBe(1_000_000)
    expect(storageCost(1_000_000, week / 2, 2)).toBe(1_000_000)
    expect(storageCost(10, 1, 1)).toBe(1)
    expect(storageCost(0, week, 1)).toBe(0)
    expect(storageCost(100, week, 0)).toBe(0)
  })

  it('bandwidth: a token bucket of one second; requests past it wait in proportion, in arrival order', () => {
    let t = 0
    const b = new BandwidthBudget({ bytesPerSecond: 1000, now: () => t })
    expect(b.reserve(600)).toBe(0)
    expect(b.reserve(400)).toBe(0)
    expect(b.reserve(500)).toBe(500) // half a second's worth over
    expect(b.reserve(500)).toBe(1000) // queued behind it
    t += 1000
    expect(b.reserve(0)).toBe(0) // one second refilled 1000 of the 1000 owed
    t += 10_000
    expect(b.reserve(1000)).toBe(0) // never more than a second banked
    expect(b.reserve(1)).toBe(1)
    expect(new BandwidthBudget({ bytesPerSecond: 0, now: () => 0 }).reserve(1e9)).toBe(0)
  })

  it('cache on demand and free cache requests keep to the range and the least popularity; the rank rule still holds', async () => {
    let pulls = 0
    const stats = { cachedOnDemand: 0, demandPulls: 0, cacheRequestsRefused: 0 }
    const near = idAt(10)
    const far = idAt(250)
    const onDemand = new CacheOnDemand({
      options: { threshold: 1, standingRank: 0 },
      selfRank: 2,
      now: () => 1000,
      running: () => true,
      has: () => false,
      isNear: () => true,
      ownLookup: () => false,
      inRange: (id) => inRange(self, id, 200),
      minPopularity: 3,
      download: async () => { pulls++ },
      stats
    })
    const peer = (i: number, rank: number) => makeContact(Buffer.alloc(32, i), { address: '10.0.0.1', port: 1 }, { rank })
    expect(onDemand.onCacheRequest(far, peer(1, 9))).toBe(false) // out of range
    expect(onDemand.onCacheRequest(near, peer(1, 9))).toBe(false) // nobody asked for it yet
    onDemand.noteQuery(near, peer(2, 0))
    onDemand.noteQuery(near, peer(3, 0))
    expect(pulls).toBe(0) // 2 askers < minPopularity 3, though over the threshold 1
    expect(onDemand.popularity(near)).toBe(2)
    onDemand.noteQuery(near, peer(4, 0))
    expect(pulls).toBe(1) // popular enough now
    onDemand.noteQuery(far, peer(2, 0)); onDemand.noteQuery(far, peer(3, 0)); onDemand.noteQuery(far, peer(4, 0))
    expect(pulls).toBe(1) // never for a chunk out of range
    expect(onDemand.onCacheRequest(near, peer(5, 2))).toBe(false) // equal rank: refused as before
    await onDemand.settled()
    expect(stats.cacheRequestsRefused).toBe(3)
  })
})
