import { describe, expect, it } from 'vitest'
import { RequestTimeouts } from '../../../src/node/routing/request-timeouts.js'

describe('RequestTimeouts', () => {
  it('starts from the initial timeout, then adapts to each peer', () => {
    const e = new RequestTimeouts({ initialTimeoutMs: 1000, minTimeoutMs: 50, maxTimeoutMs: 3000 })
    expect(e.softTimeout('a')).toBe(1000)
    for (let i = 0; i < 20; i++) e.observe('near', 20 + (i % 2))
    for (let i = 0; i < 20; i++) e.observe('far', 400 + (i % 2) * 40)
    expect(e.softTimeout('near')).toBeLessThan(100)
    expect(e.softTimeout('far')).toBeGreaterThan(400)
    expect(e.softTimeout('far')).toBeLessThan(700)
    // An unknown peer gets the network-wide estimate, between the two.
    const unknown = e.softTimeout('unknown')
    expect(unknown).toBeGreaterThan(e.softTimeout('near'))
    expect(e.hardTimeout('far')).toBeGreaterThan(e.softTimeout('far'))
  })

  it('clamps and ignores nonsense samples', () => {
    const e = new RequestTimeouts({ minTimeoutMs: 50, maxTimeoutMs: 3000 })
    for (let i = 0; i < 10; i++) e.observe('x', 1)
    expect(e.softTimeout('x')).toBe(50)
    for (let i = 0; i < 10; i++) e.observe('y', 60_000)
    expect(e.softTimeout('y')).toBe(3000)
    expect(e.hardTimeout('y')).toBe(6000)
    e.observe('z', NaN); e.observe('z', -5)
    expect(e.srtt('z')).toBeUndefined()
  })

  it('remembers a bounded number of peers, forgetting the least recently updated', () => {
    const e = new RequestTimeouts({ maxPeers: 3 })
    e.observe('a', 10); e.observe('b', 10); e.observe('c', 10); e.observe('a', 10); e.observe('d', 10)
    expect(e.srtt('b')).toBeUndefined()
    expect(e.srtt('a')).toBe(10)
  })

  it('primePeer seeds one peer without touching the network-wide figure', () => {
    const e = new RequestTimeouts()
    e.primePeer('p', 80)
    expect(e.srtt('p')).toBe(80)
    expect(e.global.samples).toBe(0)
    expect(e.softTimeout('p')).toBeLessThan(e.softTimeout('q'))
  })
})
