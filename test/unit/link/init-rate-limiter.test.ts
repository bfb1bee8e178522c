import { describe, expect, test } from 'vitest'
import { InitRateLimiter } from '../../../src/node/link/init-rate-limiter.js'

const limits = { perAddress: 3, perNetwork: 5, global: 8, provenPerAddress: 2, maxTracked: 10 }
const at = (address: string): { address: string, port: number } => ({ address, port: 1 })

describe('InitRateLimiter', () => {
  test('per address, per network and global limits; the window resets each second', () => {
    const r = new InitRateLimiter(limits)
    expect([1, 2, 3, 4].map(() => r.note(at('1.2.3.4'), 1000))).toEqual([false, false, false, true])
    expect(r.note(at('1.2.3.5'), 1000)).toBe(false) // 5th in 1.2.3.0/24
    expect(r.note(at('1.2.3.6'), 1000)).toBe(true) // 6th in the /24
    expect(r.note(at('9.9.9.9'), 1000)).toBe(false) // 7th overall
    expect(r.note(at('8.8.8.8'), 1000)).toBe(false) // 8th overall
    expect(r.note(at('7.7.7.7'), 1000)).toBe(true) // 9th overall
    expect(r.note(at('1.2.3.4'), 2000)).toBe(false) // next second
  })

  test('proven inits are limited per address only; tracked sources are bounded', () => {
    const r = new InitRateLimiter(limits)
    expect([1, 2, 3].map(() => r.noteProven(at('1.2.3.4'), 0))).toEqual([false, false, true])
    expect(r.noteProven(at('1.2.3.5'), 0)).toBe(false)
    for (let i = 0; i < 100; i++) r.note(at(`10.${i}.0.1`), 5000)
    expect(r.tracked).toBeLessThanOrEqual(2 * limits.maxTracked)
    expect(r.note(at('10.200.0.1'), 5000)).toBe(true) // an untracked source counts as over
  })

  test('the per-host limit counts a whole IPv6 /64', () => {
    const r = new InitRateLimiter(limits)
    const hits = [1, 2, 3, 4].map(i => r.note(at(`2001:db8:aa:1::${i}`), 0))
    expect(hits).toEqual([false, false, false, true])
  })
})
