import { describe, expect, it } from 'vitest'
import { mbPerSecond, median, percentile, round } from '../../../../bench/support/stats.js'

describe('bench statistics', () => {
  it('median of odd and even counts, NaN when empty', () => {
    expect(median([5, 1, 3])).toBe(3)
    expect(median([4, 1, 3, 2])).toBe(2.5)
    expect(median([])).toBeNaN()
  })

  it('percentile by nearest rank, without reordering its input', () => {
    const xs = [10, 1, 9, 2, 8, 3, 7, 4, 6, 5]
    expect(percentile(xs, 90)).toBe(9)
    expect(percentile(xs, 100)).toBe(10)
    expect(percentile(xs, 0)).toBe(1)
    expect(xs[0]).toBe(10)
  })

  it('MB/s is 10^6 bytes per second', () => {
    expect(mbPerSecond(2_000_000, 500)).toBe(4)
    expect(round(1.23456, 2)).toBe(1.23)
  })
})
