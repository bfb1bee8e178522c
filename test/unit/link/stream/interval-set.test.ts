import { describe, expect, it } from 'vitest'
import { IntervalSet } from '../../../../src/node/link/stream/interval-set.js'
import { seededRandom } from '../../../helpers/lossy-pipe.js'

function intervals (s: IntervalSet): Array<[number, number]> {
  return Array.from({ length: s.count }, (_, i) => [s.startAt(i), s.endAt(i)])
}

describe('IntervalSet', () => {
  it('merges overlapping and touching intervals and reports only what is new', () => {
    const s = new IntervalSet()
    const fresh: Array<[number, number]> = []
    const add = (a: number, b: number): void => s.add(a, b, (x, y) => fresh.push([x, y]))
    add(10, 12); add(20, 22); add(14, 15)
    expect(intervals(s)).toEqual([[10, 12], [14, 15], [20, 22]])
    fresh.length = 0
    add(11, 21)
    expect(fresh).toEqual([[12, 14], [15, 20]])
    expect(intervals(s)).toEqual([[10, 22]])
    fresh.length = 0
    add(22, 23) // touching merges
    add(5, 10)
    expect(fresh).toEqual([[22, 23], [5, 10]])
    expect(intervals(s)).toEqual([[5, 23]])
    fresh.length = 0
    add(6, 9)
    expect(fresh).toEqual([])
  })

  it('forgets members below a point', () => {
    const s = new IntervalSet()
    s.add(1, 3); s.add(5, 9); s.add(12, 13)
    s.removeBelow(6)
    expect(intervals(s)).toEqual([[6, 9], [12, 13]])
    s.removeBelow(9)
    expect(intervals(s)).toEqual([[12, 13]])
    expect(s.has(12)).toBe(true)
    expect(s.has(13)).toBe(false)
    expect(s.max).toBe(13)
  })

  it('matches a naive set on random operations', () => {
    const rand = seededRandom(3)
    const s = new IntervalSet()
    const naive = new Set<number>()
    for (let i = 0; i < 3000; i++) {
      if (rand() < 0.1) {
        const x = Math.floor(rand() * 500)
        s.removeBelow(x)
        for (const v of [...naive]) if (v < x) naive.delete(v)
        continue
      }
      const a = Math.floor(rand() * 500); const b = a + 1 + Math.floor(rand() * 8)
      const fresh: number[] = []
      s.add(a, b, (x, y) => { for (let v = x; v < y; v++) fresh.push(v) })
      const expected: number[] = []
      for (let v = a; v < b; v++) if (!naive.has(v)) { expected.push(v); naive.add(v) }
      expect(fresh).toEqual(expected)
    }
    const members: number[] = []
    for (const [a, b] of intervals(s)) for (let v = a; v < b; v++) members.push(v)
    expect(members).toEqual([...naive].sort((x, y) => x - y))
    for (let i = 1; i < s.count; i++) expect(s.startAt(i)).toBeGreaterThan(s.endAt(i - 1))
  })
})
