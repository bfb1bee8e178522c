import { Duplex } from 'node:stream'
import { describe, expect, it } from 'vitest'
import { FrameParser } from '../../../../src/node/services/chunks/frame-parser.js'
import { MAX_FRAME_BODY, type StreamFrame, decodeStreamFrame, encodeStreamFrame } from '../../../../src/node/services/chunks/messages.js'
import { BandwidthBudget } from '../../../../src/node/services/chunks/sell-policy.js'
import { serveSliceStream } from '../../../../src/node/services/chunks/slice-server.js'
import { fakeChunk } from './chunk-testnet.js'

describe('slice server pacing by the bandwidth sold (issue 19 item 7)', () => {
  it('reserves each run of slices from the budget before sending, waits what it says, and counts bytes per chunk', async () => {
    const c = fakeChunk(3, 200_000)
    let t = 0
    const budget = new BandwidthBudget({ bytesPerSecond: 100_000, now: () => t })
    const asked: Array<[number, number]> = []
    const served = new Map<string, number>()
    const writes: Buffer[] = []
    const raw = new Duplex({ read () {}, write (chunk: Buffer, _e, cb) { writes.push(chunk); cb() } })
    let ended = false
    raw.on('finish', () => { ended = true })
    serveSliceStream(raw, {
      store: { has: () => true, withRange: (_id, off, len, use) => { const v = c.bytes.subarray(off, Math.min(c.bytes.length, off + len)); use(v); return v.length }, noteMissing: () => 0 },
      maxQueued: 8,
      idleMs: 10_000,
      // A clock that the wait moves on: each wait is served at once, and recorded.
      pace: (bytes) => { const ms = budget.reserve(bytes); asked.push([bytes, ms]); t += ms; return ms > 0 ? 1 : 0 },
      onSlice: (n, id) => { served.set(id.toString('hex'), (served.get(id.toString('hex')) ?? 0) + n) }
    })
    const ask = (f: StreamFrame): void => { raw.push(encodeStreamFrame(f)) }
    ask({ type: 'sliceRequest', chunkId: c.id, first: 0, count: 1 })
    await new Promise(resolve => setTimeout(resolve, 20))
    ask({ type: 'sliceRequest', chunkId: c.id, first: 1, count: 3 })
    raw.push(null)
    for (let i = 0; i < 100 && !ended; i++) await new Promise(resolve => setTimeout(resolve, 10))
    // 65,536 fits the second's 100,000; the next 134,464 bytes are 100,000 over: a second's wait.
    expect(asked).toEqual([[65_536, 0], [134_464, 1000]])
    const frames = new FrameParser(MAX_FRAME_BODY).push(Buffer.concat(writes)).map(decodeStreamFrame)
    expect(frames.map(f => f.type)).toEqual(['slice', 'slice', 'slice', 'slice'])
    expect(served.get(c.id.toString('hex'))).toBe(200_000)
  })
})
