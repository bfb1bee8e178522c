import { Duplex } from 'node:stream'
import { describe, expect, it } from 'vitest'
import { sliceFrameHeader } from '../../../../src/node/services/chunks/messages.js'
import { SliceStream, SliceStreamError } from '../../../../src/node/services/chunks/slice-stream.js'

/** A SliceStream over a Duplex whose incoming side the test feeds with `push`. */
function pair (): { s: SliceStream, raw: Duplex } {
  const raw = new Duplex({ read () {}, write (_c, _e, cb) { cb() } })
  return { s: new SliceStream(raw), raw }
}

function sliceFrame (index: number, bytes: Buffer): Buffer {
  return Buffer.concat([sliceFrameHeader(index, bytes.length), bytes])
}

const sleep = async (ms: number): Promise<void> => { await new Promise(resolve => setTimeout(resolve, ms)) }

describe('slice stream', () => {
  it('hands over a slice that arrived in many pieces, whole and once', async () => {
    const { s, raw } = pair()
    const bytes = Buffer.from(Array.from({ length: 5000 }, (_, i) => i % 251))
    const frame = sliceFrame(3, bytes)
    const got = s.next(1000)
    for (let at = 0; at < frame.length; at += 700) {
      raw.push(frame.subarray(at, at + 700))
      await sleep(1)
    }
    const f = await got
    expect(f.type).toBe('slice')
    if (f.type !== 'slice') return
    expect(f.index).toBe(3)
    expect(Buffer.concat(f.pieces).equals(bytes)).toBe(true)
    // Nothing else is pending: the next wait times out rather than returning a phantom frame.
    await expect(s.next(50)).rejects.toMatchObject({ failure: 'slow' })
  })

  it('a peer still sending part of a slice is not slow, however long the slice takes', async () => {
    const { s, raw } = pair()
    const bytes = Buffer.alloc(4000, 7)
    const frame = sliceFrame(0, bytes)
    const got = s.next(120)
    // 10 pieces, 40 ms apart: the slice takes ~400 ms, over three times the timeout, but the
    // peer is never quiet for 120 ms.
    for (let at = 0; at < frame.length; at += Math.ceil(frame.length / 10)) {
      await sleep(40)
      raw.push(frame.subarray(at, at + Math.ceil(frame.length / 10)))
    }
    const f = await got
    expect(f.type === 'slice' && Buffer.concat(f.pieces).equals(bytes)).toBe(true)
  })

  it('a peer that goes quiet in the middle of a slice is slow', async () => {
    const { s, raw } = pair()
    const frame = sliceFrame(0, Buffer.alloc(4000, 7))
    const got = s.next(100)
    got.catch(() => {})
    raw.push(frame.subarray(0, 1000))
    const t0 = Date.now()
    const err = await got.then(() => undefined, (e: unknown) => e)
    expect(err).toBeInstanceOf(SliceStreamError)
    expect((err as SliceStreamError).failure).toBe('slow')
    // Timed from the last bytes, not from some earlier moment.
    expect(Date.now() - t0).toBeGreaterThanOrEqual(90)
  })
})
