import { describe, expect, it } from 'vitest'
import { ChunkIndex, type IndexEntry } from '../../../src/node/store/chunk-index.js'
import { selectVictims } from '../../../src/node/store/eviction-policy.js'

function entry (n: number, placement: 'local' | 'cache', size: number, score: number, closeness = 1, at = 0): IndexEntry {
  return { id: Buffer.alloc(32, n), placement, size, heat: { score, at }, closeness }
}

describe('eviction policy', () => {
  it('selects nothing while the incoming chunk fits', () => {
    const ix = new ChunkIndex()
    ix.add('a', entry(1, 'cache', 50, 1))
    expect(selectVictims(ix, 50, 100, 0, 1000, undefined, 0)).toEqual([])
  })

  it('evicts lowest heat × closeness first, never local, never the exempt one', () => {
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
})
