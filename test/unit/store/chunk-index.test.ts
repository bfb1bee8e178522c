import { describe, expect, it } from 'vitest'
import { ChunkIndex, type IndexEntry } from '../../../src/node/store/chunk-index.js'

function entry (n: number, placement: 'local' | 'cache', size: number, score: number, closeness = 1, at = 0): IndexEntry {
  return { id: Buffer.alloc(32, n), placement, size, heat: { score, at }, closeness }
}

describe('ChunkIndex', () => {
  it('keeps totals per placement through add, move and remove', () => {
    const ix = new ChunkIndex()
    ix.add('a', entry(1, 'local', 10, 0))
    ix.add('b', entry(2, 'cache', 20, 1))
    ix.add('c', entry(3, 'cache', 30, 1))
    expect(ix.usage(100)).toEqual({ localBytes: 10, localCount: 1, cacheBytes: 50, cacheCount: 2, cacheLimit: 100 })
    ix.move('b', 'local')
    expect(ix.usage(100)).toMatchObject({ localBytes: 30, localCount: 2, cacheBytes: 30, cacheCount: 1 })
    ix.remove('c')
    ix.add('a', entry(1, 'local', 15, 0)) // replacing counts once
    expect(ix.usage(100)).toMatchObject({ localBytes: 35, localCount: 2, cacheBytes: 0, cacheCount: 0 })
  })

  it('selects nothing while the incoming chunk fits', () => {
    const ix = new ChunkIndex()
    ix.add('a', entry(1, 'cache', 50, 1))
    expect(ix.selectVictims(50, 100, 0, 1000, undefined, 0)).toEqual([])
  })

  it('evicts lowest heat × closeness first, never local, never the exempt one', () => {
    const ix = new ChunkIndex()
    ix.add('local', entry(1, 'local', 40, 0))
    ix.add('hot-far', entry(2, 'cache', 10, 8, 1))
    ix.add('cold-far', entry(3, 'cache', 10, 1, 1))
    ix.add('cold-near', entry(4, 'cache', 10, 1, 30))
    ix.add('exempt', entry(5, 'cache', 10, 0, 1))
    const v = ix.selectVictims(10, 40, 0, 1000, 'exempt', 0)
    expect(v.map((e) => e.id[0])).toEqual([3])
    const v2 = ix.selectVictims(25, 40, 0, 1000, 'exempt', 0)
    expect(v2.map((e) => e.id[0])).toEqual([3, 2, 4])
  })

  it('breaks value ties by least recent access and frees the slack when it can', () => {
    const ix = new ChunkIndex()
    ix.add('newer', entry(1, 'cache', 10, 0, 1, 500))
    ix.add('older', entry(2, 'cache', 10, 0, 1, 100))
    ix.add('third', entry(3, 'cache', 10, 0, 1, 900))
    expect(ix.selectVictims(10, 30, 1000, 1000, undefined, 0).map((e) => e.id[0])).toEqual([2])
    expect(ix.selectVictims(10, 30, 1000, 1000, undefined, 10).map((e) => e.id[0])).toEqual([2, 1])
  })
})
