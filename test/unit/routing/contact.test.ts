import { describe, expect, it } from 'vitest'
import { compareContacts, magnitude, makeContact, type Contact } from '../../../src/node/routing/contact.js'

const NOW = 10_000_000
const base = (over: Partial<Contact>): Contact =>
  makeContact(Buffer.alloc(32, 1), { address: '10.0.0.1', port: 1 }, { connectedSince: NOW - 60_000, rttMs: 50, lastSeen: NOW, ...over })

describe('the seed order within a bucket', () => {
  // Each row: [better, worse] that differ in one criterion, and win although
  // the worse one is ahead on every later criterion.
  const rows: Array<[string, Partial<Contact>, Partial<Contact>]> = [
    ['content provided', { contentProvided: 1e9 }, { contentProvided: 1e3, paymentsMade: 1e9, rank: 40, connectedSince: 0, rttMs: 1, bandwidth: 1e9 }],
    ['payments made', { paymentsMade: 1e6 }, { rank: 40, connectedSince: 0, rttMs: 1, bandwidth: 1e9 }],
    ['rank', { rank: 30 }, { rank: 10, connectedSince: 0, rttMs: 1, bandwidth: 1e9 }],
    ['time connected', { connectedSince: NOW - 86_400_000 }, { connectedSince: NOW - 1000, rttMs: 1, bandwidth: 1e9 }],
    ['latency', { rttMs: 20 }, { rttMs: 400, bandwidth: 1e9 }],
    ['bandwidth', { bandwidth: 1e8 }, { bandwidth: 1e3 }]
  ]
  for (const [name, better, worse] of rows) {
    it(`ranks by ${name} before the later criteria`, () => {
      const a = base(better); const b = base(worse)
      expect(compareContacts(a, b, NOW)).toBeLessThan(0)
      expect(compareContacts(b, a, NOW)).toBeGreaterThan(0)
      expect([b, a].sort((x, y) => compareContacts(x, y, NOW))[0]).toBe(a)
    })
  }

  it('treats small differences as equal and falls through to the next criterion', () => {
    const a = base({ contentProvided: 1_000_000, rank: 20 })
    const b = base({ contentProvided: 1_000_100, rank: 10 })
    expect(compareContacts(a, b, NOW)).toBeLessThan(0)
  })

  it('sorts an unmeasured latency last', () => {
    expect(compareContacts(base({ rttMs: 900 }), base({ rttMs: undefined }), NOW)).toBeLessThan(0)
  })

  it('magnitude is a log2 class', () => {
    expect([0, 1, 2, 3, 1023, 1024].map(magnitude)).toEqual([0, 1, 1, 2, 10, 10])
  })
})
