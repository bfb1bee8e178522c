import { describe, expect, it } from 'vitest'
import { RelayAllowance } from '../../../../src/node/services/relay/relay-allowance.js'

function clock (): { now: () => number, advance: (ms: number) => void } {
  let t = 1_000_000
  return { now: () => t, advance: (ms) => { t += ms } }
}

describe('relay allowance (per-pair and per-source limits)', () => {
  it('bytes per pair: up to the limit, then refused, one direction at a time', () => {
    const c = clock()
    const a = new RelayAllowance({ maxBytesPerPair: 3000 }, c.now)
    expect(a.allow('A', 'B', 1200)).toBe('ok')
    expect(a.allow('A', 'B', 1200)).toBe('ok')
    expect(a.allow('A', 'B', 1200)).toBe('bytes')
    // A smaller packet still fits what is left.
    expect(a.allow('A', 'B', 600)).toBe('ok')
    expect(a.allow('A', 'B', 1)).toBe('bytes')
    // The other direction is its own pair.
    expect(a.allow('B', 'A', 1200)).toBe('ok')
  })

  it('time per pair: refused once the limit passed, remembered (still refused) for as long again, then forgotten', () => {
    const c = clock()
    const a = new RelayAllowance({ maxMsPerPair: 1000 }, c.now)
    expect(a.allow('A', 'B', 100)).toBe('ok')
    c.advance(1000)
    expect(a.allow('A', 'B', 100)).toBe('ok')
    c.advance(1)
    expect(a.allow('A', 'B', 100)).toBe('time')
    c.advance(998)
    // A new pair made now sweeps nothing yet: A>B is under 2 x maxMs old.
    expect(a.allow('C', 'D', 100)).toBe('ok')
    expect(a.allow('A', 'B', 100)).toBe('time')
    expect(a.size).toBe(2)
    c.advance(2)
    // Past 2 x maxMs: the next new pair forgets A>B, which may then start afresh.
    expect(a.allow('E', 'F', 100)).toBe('ok')
    expect(a.allow('A', 'B', 100)).toBe('ok')
    expect(a.heldBy('A')).toBe(1)
  })

  it('a source holds at most maxPairsPerSource pairs; others are unaffected', () => {
    const a = new RelayAllowance({ maxPairsPerSource: 3, maxPairs: 100 }, clock().now)
    for (const to of ['B', 'C', 'D']) expect(a.allow('A', to, 10)).toBe('ok')
    expect(a.allow('A', 'E', 10)).toBe('source')
    // Its existing pairs go on.
    expect(a.allow('A', 'B', 10)).toBe('ok')
    expect(a.allow('X', 'E', 10)).toBe('ok')
    expect(a.heldBy('A')).toBe(3)
    expect(a.size).toBe(4)
  })

  it('the table is bounded: no new pair once maxPairs are held, until old ones are forgotten', () => {
    const c = clock()
    const a = new RelayAllowance({ maxPairs: 50, maxPairsPerSource: 50, maxMsPerPair: 1000 }, c.now)
    for (let i = 0; i < 500; i++) a.allow(`S${i}`, 'T', 10)
    expect(a.size).toBe(50)
    expect(a.allow('new', 'T', 10)).toBe('pairs')
    c.advance(2001)
    expect(a.allow('new', 'T', 10)).toBe('ok')
    expect(a.size).toBe(1)
    expect(a.heldBy('S0')).toBe(0)
  })
})
