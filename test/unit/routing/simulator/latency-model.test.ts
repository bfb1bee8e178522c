import { describe, expect, it } from 'vitest'
import { LatencyModel } from '../../../../src/node/routing/simulator/latency-model.js'
import { percentile } from '../../../../src/node/routing/simulator/stats.js'

describe('LatencyModel', () => {
  it('is symmetric, stable and log-normal around the median', () => {
    const m = new LatencyModel({ medianMs: 50, sigma: 0.6, seed: 4 })
    expect(m.base(3, 9)).toBe(m.base(9, 3))
    expect(m.base(3, 9)).toBe(new LatencyModel({ medianMs: 50, sigma: 0.6, seed: 4 }).base(3, 9))
    const xs: number[] = []
    for (let a = 0; a < 300; a++) for (let b = a + 1; b < a + 30; b++) xs.push(m.base(a, b))
    expect(percentile(xs, 50)).toBeGreaterThan(46)
    expect(percentile(xs, 50)).toBeLessThan(54)
    // p90 of a log-normal with σ 0.6 is the median × e^(1.2816 × 0.6) ≈ 108 ms.
    expect(percentile(xs, 90)).toBeGreaterThan(98)
    expect(percentile(xs, 90)).toBeLessThan(118)
    expect(m.sample(3, 9, 0)).toBe(m.base(3, 9))
  })
})
