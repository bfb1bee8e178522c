import { describe, expect, it } from 'vitest'
import { ReplayWindow } from '../../../../src/node/services/radio/replay-window.js'

const NOW = 1_700_000_000_000

describe('replay window', () => {
  it('takes each sequence number once, in any order inside the window', () => {
    const w = new ReplayWindow({ size: 16 })
    expect(w.accept(100, NOW, NOW)).toBe('ok')
    expect(w.accept(102, NOW, NOW)).toBe('ok')
    expect(w.accept(101, NOW, NOW)).toBe('ok')
    expect(w.accept(101, NOW, NOW)).toBe('replayed')
    expect(w.accept(100, NOW, NOW)).toBe('replayed')
    expect(w.accept(90, NOW, NOW)).toBe('ok')
    expect(w.accept(86, NOW, NOW)).toBe('too-old')
  })

  it('refuses timestamps outside the clock window', () => {
    const w = new ReplayWindow({ maxAgeMs: 30_000, maxAheadMs: 10_000 })
    expect(w.accept(1, NOW - 30_001, NOW)).toBe('stale')
    expect(w.accept(2, NOW + 10_001, NOW)).toBe('future')
    expect(w.accept(3, NOW - 29_000, NOW)).toBe('ok')
  })

  it('a far jump ahead needs a newer timestamp (a restarted broadcaster), never an old one', () => {
    const w = new ReplayWindow({ size: 16 })
    expect(w.accept(100, NOW, NOW)).toBe('ok')
    expect(w.accept(10_000, NOW - 1, NOW)).toBe('too-far-ahead')
    expect(w.accept(10_000, NOW + 5, NOW)).toBe('ok')
    expect(w.accept(100, NOW + 5, NOW)).toBe('too-old')
    // Slots skipped by the jump do not alias old numbers.
    expect(w.has(10_000 - 16)).toBe(false)
    expect(w.accept(9_999, NOW, NOW)).toBe('ok')
  })

  it('memory stays fixed whatever arrives', () => {
    const w = new ReplayWindow({ size: 64 })
    for (let i = 0; i < 10_000; i++) w.accept(i * 3, NOW, NOW)
    expect(w.highestSeq).toBe(9_999 * 3)
    expect(w.has(9_999 * 3)).toBe(true)
    expect(w.has(0)).toBe(false)
  })
})
