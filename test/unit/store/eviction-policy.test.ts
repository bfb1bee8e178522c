import { describe, expect, it } from 'vitest'
import { ChunkIndex, type IndexEntry } from '../../../src/node/store/chunk-index.js'
import { chunkBytePrice } from '../../../src/node/accounting/price.js'
import { EvictionPolicy, selectVictims } from '../../../src/node/store/eviction-policy.js'

function entry (n: number, placement: 'local' | 'cache', size: number, score: number, price = 1, at = 0): IndexEntry {
  return { id: Buffer.alloc(32, n), placement, size, heat: { score, at }, price }
}

describe('eviction policy', () => {
  it('selects nothing while the incoming chunk fits', () => {
    const ix = new ChunkIndex()
    ix.add('a', entry(1, 'cache', 50, 1))
    expect(selectVictims(ix, 50, 100, 0, 1000, undefined, 0)).toEqual([])
  })

  it('evicts lowest heat × price first, never local, never the exempt one', () => {
    const ix = new ChunkIndex()
    ix.add('local', entry(1, 'local', 40, 0))
    ix.add('hot-far', entry(2, 'cache', 10, 8, 1))
    ix.add('cold-far', entry(3, 'cache', 10, 1, 1))
    ix.add('cold-near', entry(4, 'cache', 10, 1, 30))
    ix.add('exempt', entry(5, 'cache', 10, 0, 1))
    const v = selectVictims(ix, 10, 40, 0, 1000, 'exempt', 0)
    expect(v.map((e) => e.id[0])).toEqual([3])
    const v2 = selectVictims(ix, 25, 40, 0, 1000, 'exempt', 0)
    expect(v2.map((e) => e.id[0])).toEqual([3, 2, 4])
  })

  it('breaks value ties by least recent access and frees the slack when it can', () => {
    const ix = new ChunkIndex()
    ix.add('newer', entry(1, 'cache', 10, 0, 1, 500))
    ix.add('older', entry(2, 'cache', 10, 0, 1, 100))
    ix.add('third', entry(3, 'cache', 10, 0, 1, 900))
    expect(selectVictims(ix, 10, 30, 1000, 1000, undefined, 0).map((e) => e.id[0])).toEqual([2])
    expect(selectVictims(ix, 10, 30, 1000, 1000, undefined, 10).map((e) => e.id[0])).toEqual([2, 1])
  })

  it('with the newcomer\'s worth, refuses it when the room would cost a chunk worth more (the seed\'s rule)', () => {
    const ix = new ChunkIndex()
    ix.add('cheap', entry(1, 'cache', 10, 1, 2)) // value 2
    ix.add('mid', entry(2, 'cache', 10, 1, 5)) // value 5
    ix.add('dear', entry(3, 'cache', 10, 4, 10)) // value 40
    // Worth 6: room for 10 bytes costs 'cheap' (2 < 6).
    expect(selectVictims(ix, 10, 30, 0, 1000, undefined, 0, 6)?.map((e) => e.id[0])).toEqual([1])
    // Room for 20 bytes would cost 'mid' too (5 < 6): still taken.
    expect(selectVictims(ix, 20, 30, 0, 1000, undefined, 0, 6)?.map((e) => e.id[0])).toEqual([1, 2])
    // Worth 3: 'mid' is worth more, so 20 bytes cannot be had: refused.
    expect(selectVictims(ix, 20, 30, 0, 1000, undefined, 0, 3)).toBeUndefined()
    // Worth 2, a tie with the cheapest: the newcomer wins ties, as in LRU.
    expect(selectVictims(ix, 10, 30, 0, 1000, undefined, 0, 2)?.map((e) => e.id[0])).toEqual([1])
    expect(selectVictims(ix, 10, 30, 0, 1000, undefined, 0, 1.9)).toBeUndefined()
    // The slack stops at the first chunk worth as much as the newcomer.
    expect(selectVictims(ix, 10, 30, 0, 1000, undefined, 15, 6)?.map((e) => e.id[0])).toEqual([1, 2])
    expect(selectVictims(ix, 10, 30, 0, 1000, undefined, 15, 3)?.map((e) => e.id[0])).toEqual([1])
  })

  it('values a chunk at the price the node charges for it (price.ts), injected, or by closeness without it', () => {
    const self = Buffer.alloc(32, 0)
    const near = Buffer.alloc(32, 0); near[31] = 1 // log2 distance 0: the top price
    const far = Buffer.alloc(32, 0xff)
    const priced = new EvictionPolicy({ limit: 100, nodeId: self, bytePrice: (id) => chunkBytePrice(self, id) })
    expect(priced.price(near)).toBe(256)
    expect(priced.price(far)).toBe(1)
    const plain = new EvictionPolicy({ limit: 100, nodeId: self })
    expect(plain.price(near)).toBe(priced.price(near))
    expect(plain.price(far)).toBe(priced.price(far))
    // A price source that gives nonsense falls back to closeness.
    expect(new EvictionPolicy({ limit: 100, nodeId: self, bytePrice: () => Number.NaN }).price(far)).toBe(1)
    expect(new EvictionPolicy({ limit: 100 }).price(near)).toBe(1)
  })
})
