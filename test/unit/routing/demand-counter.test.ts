import { describe, expect, it } from 'vitest'
import { DemandCounter } from '../../../src/node/routing/demand-counter.js'

const key = (b: number): Buffer => Buffer.alloc(32, b)

describe('DemandCounter', () => {
  it('counts misses per key and forgets a key once it is available', () => {
    const d = new DemandCounter()
    expect(d.miss(key(1), 0)).toBe(1)
    expect(d.miss(key(1), 0)).toBe(2)
    d.miss(key(2), 0)
    expect(d.count(key(1), 0)).toBe(2)
    expect(d.top(1, 0)[0].key).toEqual(key(1))
    d.clear(key(1))
    expect(d.count(key(1), 0)).toBe(0)
  })

  it('halves counts every half-life', () => {
    const d = new DemandCounter({ halfLifeMs: 1000 })
    for (let i = 0; i < 8; i++) d.miss(key(1), 0)
    expect(d.count(key(1), 1000)).toBe(4)
    expect(d.count(key(1), 3000)).toBe(1)
  })

  it('is bounded: the least recently bumped key goes first', () => {
    const d = new DemandCounter({ maxKeys: 2 })
    d.miss(key(1), 0); d.miss(key(2), 0); d.miss(key(1), 0); d.miss(key(3), 0)
    expect(d.size).toBe(2)
    expect(d.count(key(2), 0)).toBe(0)
    expect(d.count(key(1), 0)).toBe(2)
  })
})
