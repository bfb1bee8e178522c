import { describe, expect, test } from 'vitest'
import { InitRateLimiter, networkOf } from '../../../src/node/link/init-rate-limiter.js'

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

  test('networkOf: /24 for IPv4 (also mapped), /48 for IPv6', () => {
    expect(networkOf('192.168.7.9')).toBe('192.168.7.0/24')
    expect(networkOf('::ffff:192.168.7.9')).toBe('192.168.7.0/24')
    expect(networkOf('2001:db8:aa:1::5')).toBe('2001:db8:aa::/48')
    expect(networkOf('2001:0db8:00aa:ffff:1:2:3:4')).toBe('2001:db8:aa::/48')
    expect(networkOf('::1')).toBe('0:0:0::/48')
    expect(networkOf('fe80::1%eth0')).toBe('fe80:0:0::/48')
  })
})
