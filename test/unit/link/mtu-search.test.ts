import { describe, expect, test } from 'vitest'
import { MtuSearch } from '../../../src/node/link/mtu-search.js'

/** Runs a search against a path carrying at most `pathMtu` bytes; returns the sizes probed. */
function searchOn (s: MtuSearch, pathMtu: number, now = 0): number[] {
  const probed: number[] = []
  for (let i = 0; i < 100 && s.nextAttempt(now); i++) {
    const size = s.probing as number
    probed.push(size)
    if (size <= pathMtu) s.confirmed(size, now)
  }
  return probed
}

describe('MtuSearch', () => {
  test('a path that carries the maximum is confirmed with one probe', () => {
    const s = new MtuSearch({ base: 1200, max: 1452 })
    expect(searchOn(s, 9000)).toEqual([1452])
    expect(s.current).toBe(1452)
    expect(s.probing).toBeUndefined()
  })

  test('a smaller path: the top fails its attempts, then the gap is halved to within minStep', () => {
    const s = new MtuSearch({ base: 1200, max: 8972, minStep: 16 })
    const probed = searchOn(s, 1400)
    expect(probed.slice(0, 3)).toEqual([8972, 8972, 8972])
    expect(s.current).toBeLessThanOrEqual(1400)
    expect(s.current).toBeGreaterThan(1400 - 16)
    expect(s.stats.probesLost).toBeGreaterThan(0)
  })

  test('nothing above the base: stays at the base and gives up', () => {
    const s = new MtuSearch({ base: 1200, max: 1452 })
    searchOn(s, 1200)
    expect(s.current).toBe(1200)
    expect(s.nextAttempt(1)).toBe(false)
  })

  test('a black hole falls back to the base and searches again from the top', () => {
    const s = new MtuSearch({ base: 1200, max: 1452 })
    searchOn(s, 1452)
    expect(s.current).toBe(1452)
    s.blackHole()
    expect(s.current).toBe(1200)
    expect(s.stats.blackHoles).toBe(1)
    const probed = searchOn(s, 1300)
    expect(probed[0]).toBe(1452)
    expect(s.current).toBeGreaterThan(1300 - 16)
    expect(s.current).toBeLessThanOrEqual(1300)
  })

  test('a search that settled below the max looks up again after raiseMs', () => {
    const s = new MtuSearch({ base: 1200, max: 1452, raiseMs: 1000 })
    searchOn(s, 1300, 0)
    const settled = s.current
    expect(s.nextAttempt(500)).toBe(false)
    expect(searchOn(s, 1452, 1000)).toContain(1452)
    expect(s.current).toBe(1452)
    expect(settled).toBeLessThan(1452)
  })

  test('a confirmation for another size than the one probed changes nothing', () => {
    const s = new MtuSearch({ base: 1200, max: 1452 })
    s.nextAttempt(0)
    s.confirmed(1400, 0)
    expect(s.current).toBe(1200)
  })
})
