import { describe, expect, it } from 'vitest'
import { PaidPulls } from '../../../src/node/accounting/paid-pulls.js'

const peer = 'ab'.repeat(32)
const chunk = Buffer.alloc(32, 7)

describe('PaidPulls', () => {
  it('covers a marked (peer, chunk) pair until its mark expires, and nothing else', () => {
    let t = 1_000
    const p = new PaidPulls({ ttlMs: 100, now: () => t })
    expect(p.covers(peer, chunk)).toBe(false)
    p.mark(peer, chunk)
    expect(p.covers(peer, chunk)).toBe(true)
    expect(p.covers('cd'.repeat(32), chunk)).toBe(false)
    expect(p.covers(peer, Buffer.alloc(32, 8))).toBe(false)
    t += 101
    expect(p.covers(peer, chunk)).toBe(false)
    expect(p.size).toBe(0)
  })

  it('holds at most `max` marks, dropping the oldest first', () => {
    const p = new PaidPulls({ max: 3 })
    const ids = [1, 2, 3, 4].map(i => Buffer.alloc(32, i))
    for (const id of ids) p.mark(peer, id)
    expect(p.size).toBe(3)
    expect(p.covers(peer, ids[0])).toBe(false)
    expect(ids.slice(1).every(id => p.covers(peer, id))).toBe(true)
  })

  it('reads a chunk id given as a view into a larger buffer by its own bytes', () => {
    const p = new PaidPulls()
    const big = Buffer.concat([Buffer.alloc(5, 9), chunk, Buffer.alloc(5, 9)])
    p.mark(peer, big.subarray(5, 37))
    expect(p.covers(peer, chunk)).toBe(true)
  })
})
