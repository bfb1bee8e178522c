import { describe, expect, it } from 'vitest'
import { bm25, quantise, rankPostings, staticBoost } from '../../../../src/node/services/search/ranking.js'

describe('ranking', () => {
  it('puts documents matching more terms first, then the higher score', () => {
    const a = [{ doc: 1, weight: 100 }, { doc: 2, weight: 900 }, { doc: 3, weight: 50 }]
    const b = [{ doc: 3, weight: 10 }, { doc: 1, weight: 10 }]
    const { total, top } = rankPostings([a, b], 10)
    expect(total).toBe(3)
    expect(top.map(r => r.doc)).toEqual([1, 3, 2])
    expect(top[0]).toEqual({ doc: 1, matched: 2, score: 110 })
  })

  it('breaks ties by document number (static rank), whatever the input order', () => {
    const lists = [[{ doc: 9, weight: 5 }, { doc: 4, weight: 5 }, { doc: 7, weight: 5 }]]
    expect(rankPostings(lists, 10).top.map(r => r.doc)).toEqual([4, 7, 9])
    const reversed = [[...lists[0]].reverse()]
    expect(rankPostings(reversed, 10).top.map(r => r.doc)).toEqual([4, 7, 9])
  })

  it('pages with limit and offset; missing terms count for nothing', () => {
    const list = Array.from({ length: 30 }, (_, i) => ({ doc: i, weight: 100 - i }))
    const { total, top } = rankPostings([undefined, list], 5, 10)
    expect(total).toBe(30)
    expect(top.map(r => r.doc)).toEqual([10, 11, 12, 13, 14])
  })

  it('weights: rarer terms and shorter documents score higher; popularity boosts; quantised to u16 ≥ 1', () => {
    expect(bm25(1, 1, 100, 10, 10)).toBeGreaterThan(bm25(1, 50, 100, 10, 10))
    expect(bm25(1, 5, 100, 5, 10)).toBeGreaterThan(bm25(1, 5, 100, 50, 10))
    expect(staticBoost(10, 0)).toBeGreaterThan(staticBoost(0, 0))
    expect(staticBoost(0, 0)).toBe(1)
    expect(quantise(0)).toBe(1)
    expect(quantise(1e9)).toBe(0xffff)
  })
})
