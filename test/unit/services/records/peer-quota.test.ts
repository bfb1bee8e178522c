import { describe, expect, it } from 'vitest'
import { PeerQuota, networkOf } from '../../../../src/node/services/records/peer-quota.js'

describe('PeerQuota', () => {
  it('allows perHour new entries per window and at most maxHeldPerPeer held; releases free the share', () => {
    let t = 0
    const q = new PeerQuota({ perHour: 3, maxHeldPerPeer: 5, now: () => t })
    for (let i = 0; i < 3; i++) { expect(q.allows('a')).toBe(true); q.charge('a') }
    expect(q.allows('a')).toBe(false)
    expect(q.allows('b')).toBe(true)
    t = 3600_000
    q.charge('a'); q.charge('a')
    expect(q.heldBy('a')).toBe(5)
    expect(q.allows('a')).toBe(false) // share full although the new window has room
    q.release('a')
    expect(q.allows('a')).toBe(true)
  })

  it('remembers at most maxPeers windows', () => {
    const q = new PeerQuota({ perHour: 1, maxPeers: 2, now: () => 0 })
    q.charge('a'); q.charge('b'); q.charge('c')
    expect(q.allows('a')).toBe(true) // the oldest window was forgotten
    expect(q.allows('c')).toBe(false)
  })
})

describe('networkOf', () => {
  it('groups public addresses by /24 and /48; a private or loopback endpoint is its own network', () => {
    expect(networkOf({ address: '203.0.113.5', port: 1 })).toBe(networkOf({ address: '203.0.113.200', port: 2 }))
    expect(networkOf({ address: '203.0.113.5', port: 1 })).not.toBe(networkOf({ address: '203.0.114.5', port: 1 }))
    expect(networkOf({ address: '2001:db8:1:2::1', port: 1 })).toBe(networkOf({ address: '2001:db8:1:ffff::9', port: 1 }))
    expect(networkOf({ address: '2001:db8:1:2::1', port: 1 })).not.toBe(networkOf({ address: '2001:db8:2::1', port: 1 }))
    expect(networkOf({ address: '127.0.0.1', port: 1 })).not.toBe(networkOf({ address: '127.0.0.1', port: 2 }))
  })
})
