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

  it('counts each voter once per key: one peer asking 100 times is one miss', () => {
    const d = new DemandCounter({ maxVoters: 3 })
    for (let i = 0; i < 100; i++) d.miss(key(1), 0, key(0xa1))
    expect(d.count(key(1), 0)).toBe(1)
    expect(d.miss(key(1), 0, key(0xa2))).toBe(2)
    expect(d.miss(key(2), 0, key(0xa1))).toBe(1) // another key: a vote of its own
    expect(d.miss(key(1), 0, key(0xa3))).toBe(3)
    // Voters are bounded per key: past the bound a key stops counting (it is far past any threshold by then).
    expect(d.miss(key(1), 0, key(0xa4))).toBe(3)
    // Anonymous misses (no voter) count each time, as before.
    expect(d.miss(key(3), 0)).toBe(1)
    expect(d.miss(key(3), 0)).toBe(2)
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
