import { describe, expect, test } from 'vitest'
import { REPLAY_WINDOW_BITS, ReplayWindow } from '../../../src/node/link/replay-window.js'
import { mulberry32 } from '../../../src/node/transport/memory.js'

describe('ReplayWindow', () => {
  test('accepts each counter once, in any order within the window', () => {
    const w = new ReplayWindow()
    const rnd = mulberry32(5)
    // Local reordering only (displacement < 500), as on a real path.
    const order = [...Array(3000).keys()].map(i => ({ i, k: i + rnd() * 500 })).sort((a, b) => a.k - b.k).map(x => x.i)
    for (const c of order) expect(w.accept(c)).toBe(true)
    for (const c of order.slice(-1000)) expect(w.accept(c)).toBe(false)
  })

  test('rejects counters older than the window', () => {
    const w = new ReplayWindow()
    expect(w.accept(10_000)).toBe(true)
    expect(w.check(10_000 - REPLAY_WINDOW_BITS)).toBe(false)
    expect(w.check(10_000 - 100)).toBe(true)
  })

  test('a big jump forward clears stale bits', () => {
    const w = new ReplayWindow()
    for (let i = 0; i < 100; i++) w.accept(i)
    expect(w.accept(100 + REPLAY_WINDOW_BITS * 3)).toBe(true)
    // Counters that map to the same words as the old ones are new now.
    expect(w.accept(100 + REPLAY_WINDOW_BITS * 3 - 5)).toBe(true)
    expect(w.accept(100 + REPLAY_WINDOW_BITS * 3 - 5)).toBe(false)
  })

  test('check does not mark', () => {
    const w = new ReplayWindow()
    expect(w.check(3)).toBe(true)
    expect(w.check(3)).toBe(true)
    expect(w.accept(3)).toBe(true)
    expect(w.check(3)).toBe(false)
  })
})
