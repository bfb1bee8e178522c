import { describe, expect, it } from 'vitest'
import { commonPrefixLength, log2Distance } from '../../../src/node/routing/distance.js'
import { cacheValue, closenessOf, heatAt, touch } from '../../../src/node/store/cache-value.js'

const H = 1000

describe('cache value', () => {
  it('counts common prefix bits and log2 distance over 256-bit ids', () => {
    const a = Buffer.alloc(32)
    const b = Buffer.alloc(32)
    expect(commonPrefixLength(a, b)).toBe(256)
    expect(log2Distance(a, b)).toBe(0)
    b[0] = 0x80
    expect(commonPrefixLength(a, b)).toBe(0)
    expect(log2Distance(a, b)).toBe(256)
    b[0] = 0; b[3] = 0x01
    expect(commonPrefixLength(a, b)).toBe(31)
    b[3] = 0; b[31] = 0x01
    expect(log2Distance(a, b)).toBe(1)
  })

  it('closeness is 1 + shared prefix, or 1 without a node id', () => {
    const id = Buffer.alloc(32, 0xff)
    const near = Buffer.from(id); near[31] = 0xfe
    expect(closenessOf(id, near)).toBe(256)
    expect(closenessOf(undefined, near)).toBe(1)
  })

  it('halves heat every half-life and adds accesses on touch', () => {
    const h = { score: 4, at: 0 }
    expect(heatAt(h, H, H)).toBeCloseTo(2)
    expect(heatAt(h, 3 * H, H)).toBeCloseTo(0.5)
    touch(h, H, H)
    expect(h).toEqual({ score: 3, at: H })
    touch(h, H, H, 0.25)
    expect(h.score).toBeCloseTo(3.25)
  })

  it('never lets a clock step backwards heat a chunk up', () => {
    const h = { score: 2, at: 5 * H }
    expect(heatAt(h, 0, H)).toBe(2)
    touch(h, 0, H)
    expect(h.at).toBe(5 * H)
  })

  it('a near cold chunk can outrank a far warm one; heat still matters at equal distance', () => {
    expect(cacheValue({ score: 1, at: 0 }, 20, 0, H)).toBeGreaterThan(cacheValue({ score: 5, at: 0 }, 1, 0, H))
    expect(cacheValue({ score: 5, at: 0 }, 2, 0, H)).toBeGreaterThan(cacheValue({ score: 1, at: 0 }, 2, 0, H))
    expect(cacheValue({ score: 5, at: 0 }, 2, 10 * H, H)).toBeLessThan(cacheValue({ score: 1, at: 10 * H }, 2, 10 * H, H))
  })
})
