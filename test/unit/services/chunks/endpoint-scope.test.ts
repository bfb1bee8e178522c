import { describe, expect, it } from 'vitest'
import { isPublicAddress } from '../../../../src/node/services/chunks/endpoint-scope.js'

describe('isPublicAddress', () => {
  it('refuses loopback, private, link-local, CGNAT, multicast, reserved and mapped forms of them', () => {
    for (const a of ['127.0.0.1', '10.1.2.3', '172.31.0.1', '192.168.0.1', '169.254.1.1', '100.64.0.1', '0.1.2.3', '224.0.0.251',
      '239.255.255.250', '255.255.255.255', '::', '::1', 'fe80::1', 'fd12::1', 'ff02::1', '::ffff:127.0.0.1', '::ffff:10.0.0.1', 'localhost', '']) {
      expect(isPublicAddress(a), a).toBe(false)
    }
  })

  it('accepts public unicast addresses', () => {
    for (const a of ['8.8.8.8', '172.32.0.1', '198.51.100.9', '2a00:1450::1', '2001:db8::1', '::ffff:8.8.8.8']) {
      expect(isPublicAddress(a), a).toBe(true)
    }
  })
})
