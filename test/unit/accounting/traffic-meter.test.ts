import { randomBytes } from 'node:crypto'
import { describe, expect, test } from 'vitest'
import { CountingMeter } from '../../../src/node/accounting/traffic-meter.js'

/**
 * Issue 12, item 11b: the meter's maps are keyed by names and ids that peers
 * choose, so both are bounded; the totals stay exact.
 */
describe('CountingMeter bounds', () => {
  test('10,000 fake peer ids and 10,000 kinds leave both maps bounded, totals exact', () => {
    const m = new CountingMeter()
    for (let i = 0; i < 10_000; i++) {
      m.record(randomBytes(32).toString('hex'), 'in', 10, `svc-${i}`)
      m.record(randomBytes(32).toString('hex'), 'out', 5, 'dht')
    }
    expect(m.byPeer.size).toBeLessThanOrEqual(4096)
    expect(m.byKind.size).toBeLessThanOrEqual(256)
    expect(m.byKind.get('dht')).toEqual({ in: 0, out: 50_000 })
    let kindIn = 0
    for (const v of m.byKind.values()) kindIn += v.in
    expect(kindIn).toBe(100_000) // overflowing kinds are folded, not lost
    expect(m.bytesIn).toBe(100_000)
    expect(m.bytesOut).toBe(50_000)
  })

  test('a busy peer keeps its entry while one-off ids come and go', () => {
    const m = new CountingMeter({ maxPeers: 8 })
    for (let i = 0; i < 100; i++) {
      m.record('busy', 'in', 1, 'dht')
      m.record(`one-off-${i}`, 'in', 1, 'dht')
    }
    expect(m.byPeer.size).toBe(8)
    expect(m.byPeer.get('busy')).toEqual({ in: 100, out: 0 })
  })
})
