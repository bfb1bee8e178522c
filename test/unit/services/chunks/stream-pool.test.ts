import { Duplex } from 'node:stream'
import { describe, expect, it, vi } from 'vitest'
import { encodeStreamFrame } from '../../../../src/node/services/chunks/messages.js'
import { SliceStream } from '../../../../src/node/services/chunks/slice-stream.js'
import { SliceStreamPool } from '../../../../src/node/services/chunks/stream-pool.js'

function sliceStream (): { s: SliceStream, raw: Duplex } {
  const raw = new Duplex({ read () {}, write (_c, _e, cb) { cb() } })
  return { s: new SliceStream(raw), raw }
}

describe('slice stream pool', () => {
  it('hands a kept stream back to the same peer only, most recent first', () => {
    const pool = new SliceStreamPool()
    const a = sliceStream(); const b = sliceStream()
    pool.give('peer-1', a.s)
    pool.give('peer-1', b.s)
    expect(pool.take('peer-2')).toBeUndefined()
    expect(pool.take('peer-1')).toBe(b.s)
    expect(pool.take('peer-1')).toBe(a.s)
    expect(pool.take('peer-1')).toBeUndefined()
    expect(pool.reused).toBe(2)
  })

  it('never hands out a stream that broke, ended or holds unread bytes while idle', async () => {
    const pool = new SliceStreamPool()
    const ended = sliceStream(); const chatty = sliceStream(); const partial = sliceStream(); const good = sliceStream()
    for (const x of [good, ended, chatty, partial]) pool.give('p', x.s)
    ended.raw.push(null)
    chatty.raw.push(encodeStreamFrame({ type: 'sliceNotFound', count: 1 })) // unasked for
    partial.raw.push(Buffer.from([10, 0, 0])) // half a frame header
    await new Promise(resolve => setImmediate(resolve))
    expect(pool.take('p')).toBe(good.s)
    expect(pool.take('p')).toBeUndefined()
    for (const x of [ended, chatty, partial]) expect(x.raw.destroyed || x.raw.writableEnded).toBe(true)
  })

  it('keeps at most maxPerPeer per peer and maxIdle in all, closing the rest', () => {
    const pool = new SliceStreamPool({ maxPerPeer: 2, maxIdle: 3 })
    const xs = Array.from({ length: 5 }, () => sliceStream())
    pool.give('a', xs[0].s); pool.give('a', xs[1].s); pool.give('a', xs[2].s)
    pool.give('b', xs[3].s); pool.give('c', xs[4].s)
    expect(pool.idleCount).toBe(3)
    expect(xs[2].raw.writableEnded).toBe(true) // over the per-peer bound: ended gracefully
    expect(xs[4].raw.writableEnded).toBe(true) // over the total bound
  })

  it('closes streams idle longer than idleMs, and all of them on clear()', () => {
    vi.useFakeTimers()
    try {
      const pool = new SliceStreamPool({ idleMs: 1000 })
      const old = sliceStream()
      pool.give('p', old.s)
      vi.advanceTimersByTime(600)
      const fresh = sliceStream()
      pool.give('q', fresh.s)
      vi.advanceTimersByTime(500)
      expect(old.raw.writableEnded).toBe(true)
      expect(fresh.raw.writableEnded).toBe(false)
      expect(pool.idleCount).toBe(1)
      pool.clear()
      expect(fresh.raw.writableEnded).toBe(true)
      expect(pool.idleCount).toBe(0)
    } finally {
      vi.useRealTimers()
    }
  })
})
