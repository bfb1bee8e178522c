import { describe, expect, it } from 'vitest'
import { isPublicAddress } from '../../../src/node/routing/endpoint-scope.js'

describe('isPublicAddress', () => {
  it('refuses loopback, private, link-local, multicast and special addresses, v4 and v6', () => {
    for (const a of [
      '0.0.0.0', '10.0.0.1', '10.255.255.255', '100.64.0.1', '127.0.0.1', '127.9.9.9', '169.254.1.1', '172.16.0.1',
      '172.31.255.255', '192.168.0.1', '224.0.0.5', '239.255.255.250', '255.255.255.255',
      '::', '::1', 'fc00::1', 'fd12:3456::1', 'fe80::1', 'ff02::1', '::ffff:10.0.0.1', '::ffff:127.0.0.1', '192.0.0.8', '0.1.2.3', 'fe80::1%eth0', 'memory', 'localhost', ''
    ]) expect(isPublicAddress(a), a).toBe(false)
  })

  it('accepts ordinary unicast addresses, and the documentation and benchmarking ranges test networks stand in with', () => {
    for (const a of ['1.1.1.1', '8.8.8.8', '100.63.255.255', '100.128.0.1', '172.15.0.1', '172.32.0.1', '192.169.0.1', '203.0.113.7', '198.18.0.1', '198.19.255.254', '2001:db8::1', '2a00:1450::1', '::ffff:8.8.8.8']) {
      expect(isPublicAddress(a), a).toBe(true)
    }
  })
})
