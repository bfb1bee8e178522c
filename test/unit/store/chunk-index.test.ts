import { describe, expect, it } from 'vitest'
import { ChunkIndex, type IndexEntry } from '../../../src/node/store/chunk-index.js'

function entry (n: number, placement: 'local' | 'cache', size: number, score: number, price = 1, at = 0): IndexEntry {
  return { id: Buffer.alloc(32, n), placement, size, heat: { score, at }, price }
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
})
