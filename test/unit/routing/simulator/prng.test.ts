import { describe, expect, it } from 'vitest'
import { mix32, Prng } from '../../../../src/node/routing/simulator/prng.js'

describe('Prng', () => {
  it('is a pure function of its seed', () => {
    const a = new Prng(123); const b = new Prng(123); const c = new Prng(124)
    const xs = Array.from({ length: 100 }, () => a.u32())
    expect(Array.from({ length: 100 }, () => b.u32())).toEqual(xs)
    expect(Array.from({ length: 100 }, () => c.u32())).not.toEqual(xs)
  })

  it('draws in range with plausible moments', () => {
    const p = new Prng(9)
    let sum = 0; let sq = 0; let lo = 1; let hi = 0
    const n = 100_000
    for (let i = 0; i < n; i++) { const f = p.float(); lo = Math.min(lo, f); hi = Math.max(hi, f); sum += f }
    expect(lo).toBeGreaterThanOrEqual(0); expect(hi).toBeLessThan(1)
    expect(sum / n).toBeCloseTo(0.5, 2)
    sum = 0
    for (let i = 0; i < n; i++) { const z = p.normal(); sum += z; sq += z * z }
    expect(sum / n).toBeCloseTo(0, 1)
    expect(sq / n).toBeCloseTo(1, 1)
    for (let i = 0; i < 1000; i++) { const k = p.int(7); expect(k >= 0 && k < 7 && Number.isInteger(k)).toBe(true) }
    expect(p.bytes(13)).toHaveLength(13)
  })

  it('mix32 is stateless and order-sensitive', () => {
    expect(mix32(1, 2, 3)).toBe(mix32(1, 2, 3))
    expect(mix32(1, 2, 3)).not.toBe(mix32(1, 3, 2))
  })
})
