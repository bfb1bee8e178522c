import { describe, expect, test } from 'vitest'
import { hostOf, networkOf } from '../../../src/node/link/source-address.js'

describe('source address keys', () => {
  test('networkOf: /24 for IPv4 (also mapped), /48 for IPv6', () => {
    expect(networkOf('192.168.7.9')).toBe('192.168.7.0/24')
    expect(networkOf('::ffff:192.168.7.9')).toBe('192.168.7.0/24')
    expect(networkOf('2001:db8:aa:1::5')).toBe('2001:db8:aa::/48')
    expect(networkOf('2001:0db8:00aa:ffff:1:2:3:4')).toBe('2001:db8:aa::/48')
    expect(networkOf('::1')).toBe('0:0:0::/48')
    expect(networkOf('fe80::1%eth0')).toBe('fe80:0:0::/48')
    expect(networkOf('not an address')).toBe('not an address')
  })

  test('hostOf: the IPv4 address, the IPv6 /64 (a host picks any address in its /64)', () => {
    expect(hostOf('192.168.7.9')).toBe('192.168.7.9')
    expect(hostOf('::ffff:192.168.7.9')).toBe('192.168.7.9')
    expect(hostOf('2001:db8:aa:1::5')).toBe('2001:db8:aa:1::/64')
    expect(hostOf('2001:db8:aa:1:ffff::9')).toBe('2001:db8:aa:1::/64')
    expect(hostOf('::1')).toBe('0:0:0:0::/64')
    expect(hostOf('::ffff:1.2.3.4:5')).toBe('::ffff:1.2.3.4:5') // not an address: itself
  })
})
