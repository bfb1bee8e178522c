import { once } from 'node:events'
import { setTimeout as sleep } from 'node:timers/promises'
import { describe, expect, it } from 'vitest'
import { ReliableStream } from '../../../../src/node/link/stream/reliable-stream.js'
import { ACK_EVERY_FRAMES_REORDERED, DEFAULT_MTU, ackEveryFrames } from '../../../../src/node/link/stream/constants.js'

const ACK_EVERY_FRAMES = ackEveryFrames(DEFAULT_MTU)
import { StreamError } from '../../../../src/node/link/stream/errors.js'
import {
  type AckFrame, FrameType, RstReason, type StreamFrame, decodeFrame, encodeAck, encodeData, encodeFin
} from '../../../../src/node/link/stream/frames.js'
import { isTornetError } from '../../../../src/node/errors.js'
import { createStreamPair, readDigest, seededChunks, seededDigest, transfer } from '../../../helpers/lossy-pipe.js'

const MiB = 1024 * 1024

/** Polls `cond` every few ms until true or `ms` elapse; returns whether it became true. */
async function eventually (cond: () => boolean, ms = 10_000): Promise<boolean> {
  const end = Date.now() + ms
  while (Date.now() < end) {
    if (cond()) return true
    await sleep(5)
  }
  return cond()
}

/** Resolves on 'close', also when it has already happened. */
async function closed (s: ReliableStream): Promise<void> {
  if (!s.closed) await once(s, 'close')
}

function errorOf (s: ReliableStream): Promise<unknown> {
  return new Promise((resolve) => s.once('error', resolve))
}

describe('ReliableStream over a clean pipe', () => {
  it('carries 1 MiB byte-exact and closes like a TCP socket', async () => {
    const closes: Array<Error | undefined> = []
    const pair = createStreamPair({ a: { onClose: (e) => closes.push(e) }, b: { onClose: (e) => closes.push(e) } })
    const events: string[] = []
    for (const [name, s] of [['a', pair.a], ['b', pair.b]] as const) {
      for (const ev of ['finish', 'end', 'close', 'error']) s.on(ev, () => events.push(`${name} ${ev}`))
    }
    pair.a.resume()
    const got = await transfer(pair, 1, MiB)
    expect(got.bytes).toBe(MiB)
    expect(got.digest).toBe(seededDigest(1, MiB))
    await Promise.all([closed(pair.a), closed(pair.b)])
    expect(events.filter((e) => e.endsWith('error'))).toEqual([])
    expect(events).toEqual(expect.arrayContaining(['a finish', 'a end', 'a close', 'b finish', 'b end', 'b close']))
    expect(events.indexOf('a finish')).toBeLessThan(events.indexOf('a close'))
    expect(closes).toEqual([undefined, undefined])
    // A tail probe may fire on a scheduling hiccup, but nothing is declared lost
    // unless the whole event loop stalled past the retransmission timeout (a
    // loaded CI machine can pause a process that long).
    if (pair.a.stats.timeouts === 0) expect(pair.a.stats.framesLost).toBe(0)
    expect(pair.b.stats.bytesReceived).toBe(MiB)
  })

  it('works over a link that delivers synchronously from inside send()', async () => {
    let a: ReliableStream | undefined
    let b: ReliableStream | undefined
    a = new ReliableStream({ initiator: true, send: (f) => b?.receiveFrame(f) })
    b = new ReliableStream({ initiator: false, send: (f) => a?.receiveFrame(f) })
    a.resume()
    const reading = readDigest(b)
    for (const chunk of seededChunks(8, MiB)) if (!a.write(chunk)) await once(a, 'drain')
    a.end()
    const got = await reading
    expect(got.digest).toBe(seededDigest(8, MiB))
    await Promise.all([closed(a), closed(b)])
  })

  it('half-close: the side that ended still receives until the peer ends', async () => {
    const pair = createStreamPair({ a: { allowHalfOpen: true }, b: { allowHalfOpen: true } })
    pair.a.end('question')
    const [q] = await Promise.all([readAll(pair.b), once(pair.a, 'finish')])
    expect(q).toBe('question')
    pair.b.end('answer')
    expect(await readAll(pair.a)).toBe('answer')
    await Promise.all([closed(pair.a), closed(pair.b)])
  })

  it("'finish' waits until the peer has acknowledged the FIN", async () => {
    const pair = createStreamPair()
    pair.b.resume()
    pair.a.write('warm up')
    await eventually(() => pair.a.stats.srtt !== undefined)
    pair.ab.blackhole = true
    let finished = false
    pair.a.on('finish', () => { finished = true })
    pair.a.end('last words')
    await sleep(60)
    expect(finished).toBe(false)
    pair.ab.blackhole = false
    await once(pair.a, 'finish')
    expect(pair.a.stats.retransmits).toBeGreaterThan(0)
    pair.close()
  })
})

describe('ReliableStream acknowledgements', () => {
  it('acknowledge an in-order burst once per ackEveryFrames(mtu) frames and the rest at the end of the turn; a lone frame at once', async () => {
    const sent: StreamFrame[] = []
    const r = new ReliableStream({ initiator: false, send: (f) => { sent.push(decodeFrame(f)) } })
    r.resume()
    const acks = (): AckFrame[] => sent.filter(f => f.type === FrameType.Ack) as AckFrame[]
    const n = 2 * ACK_EVERY_FRAMES + 2
    for (let seq = 0; seq < n; seq++) r.receiveFrame(encodeData(seq, 0, 0, Buffer.alloc(100, seq)))
    // One turn: an ACK at once after each ACK_EVERY_FRAMES, then one for the last two.
    expect(acks().map(a => a.next)).toEqual([ACK_EVERY_FRAMES, 2 * ACK_EVERY_FRAMES])
    await new Promise(resolve => setImmediate(resolve))
    expect(acks().map(a => a.next)).toEqual([ACK_EVERY_FRAMES, 2 * ACK_EVERY_FRAMES, n])
    r.receiveFrame(encodeData(n, 0, 0, Buffer.alloc(100)))
    await new Promise(resolve => setImmediate(resolve))
    expect(acks().at(-1)?.next).toBe(n + 1) // not held for company
    r.destroy()
  })

  it('a new hole or a packet below the highest is acknowledged at once; while holes remain, every ACK_EVERY_FRAMES_REORDERED', () => {
    const sent: StreamFrame[] = []
    const r = new ReliableStream({ initiator: false, send: (f) => { sent.push(decodeFrame(f)) } })
    r.resume()
    const acks = (): AckFrame[] => sent.filter(f => f.type === FrameType.Ack) as AckFrame[]
    const data = (seq: number): Buffer => encodeData(seq, 0, 0, Buffer.alloc(100, seq))
    r.receiveFrame(data(0))
    expect(acks()).toHaveLength(0) // in order: waits for company (or the end of the turn)
    r.receiveFrame(data(2)) // 1 is missing: the sender should hear of it now
    expect(acks()).toHaveLength(1)
    expect(acks()[0]).toMatchObject({ next: 1, ranges: [{ start: 2, end: 3 }] })
    // In sequence above the hole: an ACK per ACK_EVERY_FRAMES_REORDERED, not per ACK_EVERY_FRAMES.
    for (let seq = 3; seq < 3 + ACK_EVERY_FRAMES_REORDERED; seq++) r.receiveFrame(data(seq))
    expect(acks()).toHaveLength(2)
    expect(acks()[1]).toMatchObject({ next: 1, ranges: [{ start: 2, end: 3 + ACK_EVERY_FRAMES_REORDERED }] })
    r.receiveFrame(data(1)) // fills the hole: at once
    expect(acks()).toHaveLength(3)
    expect(acks()[2]).toMatchObject({ next: 3 + ACK_EVERY_FRAMES_REORDERED, ranges: [] })
    r.destroy()
  })

  it('a reader catching up sends a window update only once less than half the window is open to the sender', async () => {
    const sent: StreamFrame[] = []
    const maxReceiveWindow = 256 * 1024
    const r = new ReliableStream({ initiator: false, maxReceiveWindow, send: (f) => { sent.push(decodeFrame(f)) } })
    const acks = (): AckFrame[] => sent.filter(f => f.type === FrameType.Ack) as AckFrame[]
    const size = 1000
    let seq = 0
    const fill = async (bytes: number): Promise<void> => {
      for (let i = 0; i < bytes / size; i++) r.receiveFrame(encodeData(seq++, 0, 0, Buffer.alloc(size, 1)))
      await new Promise(resolve => setImmediate(resolve))
    }
    const drain = async (): Promise<void> => {
      while (r.read() !== null) { /* consume */ }
      await new Promise(resolve => setImmediate(resolve))
    }
    // 96 kB (more than the 64 KiB update step) arrive unread, then are read: well over half the
    // window was still open to the sender, so no update.
    await fill(96_000)
    const before = acks().length
    expect(acks().at(-1)?.window).toBe(maxReceiveWindow - 96_000)
    await drain()
    expect(acks()).toHaveLength(before)
    // Most of the window arrives unread: the sender is nearly blocked, so reading it announces the room.
    await fill(192_000)
    const blocked = acks().length
    expect(acks().at(-1)?.window).toBeLessThan(maxReceiveWindow / 2)
    await drain()
    expect(acks().length).toBeGreaterThan(blocked)
    expect(acks().at(-1)?.window).toBeGreaterThanOrEqual(maxReceiveWindow / 2)
    r.destroy()
  })
})

describe('ReliableStream aborts', () => {
  it('destroy(err) sends RST: the peer fails with STREAM_RESET', async () => {
    let closedWith: Error | undefined
    const pair = createStreamPair({ a: { onClose: (e) => { closedWith = e } } })
    pair.b.resume()
    pair.a.write('some data')
    await eventually(() => pair.b.stats.bytesReceived > 0)
    const failed = errorOf(pair.b)
    const boom = new Error('boom')
    pair.a.on('error', () => {})
    pair.a.destroy(boom)
    const err = await failed
    expect(isTornetError(err, 'STREAM_RESET')).toBe(true)
    expect((err as StreamError).reason).toBe(RstReason.Abort)
    expect(closedWith).toBe(boom)
    await closed(pair.b)
  })

  it('destroy() without an error before the end also resets the peer', async () => {
    const pair = createStreamPair()
    pair.a.write('x')
    await eventually(() => pair.b.stats.bytesReceived > 0)
    const failed = errorOf(pair.b)
    pair.a.destroy()
    expect(isTornetError(await failed, 'STREAM_RESET')).toBe(true)
  })

  it('idle timeout: a silent peer destroys the stream with STREAM_TIMEOUT', async () => {
    const pair = createStreamPair({ a: { idleTimeoutMs: 150 }, b: { idleTimeoutMs: 150 } })
    pair.ab.blackhole = true
    pair.ba.blackhole = true
    pair.a.write('into the void')
    const [ea, eb] = await Promise.all([errorOf(pair.a), errorOf(pair.b)])
    expect(isTornetError(ea, 'STREAM_TIMEOUT')).toBe(true)
    expect(isTornetError(eb, 'STREAM_TIMEOUT')).toBe(true)
  })

  it('keepalive probes hold an idle but healthy stream open', async () => {
    const pair = createStreamPair({ a: { idleTimeoutMs: 150, keepAliveMs: 40 }, b: { idleTimeoutMs: 150 } })
    let failed = false
    pair.a.on('error', () => { failed = true })
    pair.b.on('error', () => { failed = true })
    await sleep(500)
    expect(failed).toBe(false)
    expect(pair.a.destroyed || pair.b.destroyed).toBe(false)
    pair.close()
  })

  it('a protocol violation destroys with STREAM_PROTOCOL and resets the peer', async () => {
    const pair = createStreamPair()
    pair.a.write('hello')
    const ea = errorOf(pair.a)
    const eb = errorOf(pair.b)
    // A forged ACK for packets a never sent.
    pair.a.receiveFrame(encodeAck({ probe: false, next: 1000, window: 0, spurious: 0, ranges: [] }))
    expect(isTornetError(await ea, 'STREAM_PROTOCOL')).toBe(true)
    const err = await eb
    expect(isTornetError(err, 'STREAM_RESET')).toBe(true)
    expect((err as StreamError).reason).toBe(RstReason.Protocol)
  })

  it('malformed frames are counted and dropped; the stream carries on', async () => {
    const pair = createStreamPair()
    const junk = [Buffer.alloc(0), Buffer.from([0]), Buffer.from([9, 9, 9]), Buffer.from([FrameType.Data, 1, 2]),
      Buffer.from([FrameType.Ack, 0xff]), Buffer.from([FrameType.Rst]), Buffer.alloc(70_000, 1)]
    for (const j of junk) {
      expect(() => pair.a.receiveFrame(j)).not.toThrow()
      expect(() => pair.b.receiveFrame(j)).not.toThrow()
    }
    expect(pair.a.stats.malformed).toBe(junk.length)
    expect(pair.b.stats.malformed).toBe(junk.length)
    pair.a.resume()
    const got = await transfer(pair, 4, 256 * 1024)
    expect(got.digest).toBe(seededDigest(4, 256 * 1024))
  })
})

describe('ReliableStream backpressure', () => {
  it('a reader that stops bounds the receive buffer, the send buffer and the writer', async () => {
    const sendBufferSize = 1 * MiB
    const maxReceiveWindow = 512 * 1024
    const pair = createStreamPair({ a: { sendBufferSize }, b: { maxReceiveWindow } })
    const total = 8 * MiB
    let written = 0
    let writerBlocked = false
    const writing = (async () => {
      for (const chunk of seededChunks(5, total)) {
        written += chunk.length
        if (!pair.a.write(chunk)) {
          writerBlocked = true
          await once(pair.a, 'drain')
          writerBlocked = false
        }
      }
      pair.a.end()
    })()
    // b is not read at all: its window closes, a's send buffer fills, write() blocks.
    expect(await eventually(() => writerBlocked && pair.a.stats.peerWindow === 0 && pair.a.stats.bytesInFlight === 0)).toBe(true)
    await sleep(100)
    expect(written).toBeLessThan(total / 2)
    expect(pair.b.stats.receiveBuffered).toBeLessThanOrEqual(maxReceiveWindow)
    expect(pair.a.stats.sendBuffered).toBeLessThanOrEqual(sendBufferSize + 64 * 1024)
    expect(pair.a.writableLength).toBeLessThanOrEqual(pair.a.writableHighWaterMark + 64 * 1024)
    // Now b reads slowly: a pause of 5 ms after every 256 KiB. The bounds hold
    // throughout and everything arrives intact.
    let maxSendBuffered = 0
    let maxReceiveBuffered = 0
    const sampler = setInterval(() => {
      maxSendBuffered = Math.max(maxSendBuffered, pair.a.stats.sendBuffered)
      maxReceiveBuffered = Math.max(maxReceiveBuffered, pair.b.stats.receiveBuffered)
    }, 2)
    let sincePause = 0
    const reading = readDigest(pair.b)
    pair.b.on('data', (d: Buffer) => {
      sincePause += d.length
      if (sincePause >= 256 * 1024) {
        sincePause = 0
        pair.b.pause()
        setTimeout(() => pair.b.resume(), 5)
      }
    })
    await writing
    const got = await reading
    clearInterval(sampler)
    expect(got.bytes).toBe(total)
    expect(got.digest).toBe(seededDigest(5, total))
    expect(maxSendBuffered).toBeLessThanOrEqual(sendBufferSize + 64 * 1024)
    expect(maxReceiveBuffered).toBeLessThanOrEqual(maxReceiveWindow)
    pair.close()
  })
})

describe('ReliableStream after close', () => {
  it('answers a retransmitted FIN with an ACK, and strangers with one RST', async () => {
    const out: StreamFrame[] = []
    const s = new ReliableStream({ initiator: false, send: (f) => out.push(decodeFrame(f)) })
    s.receiveFrame(encodeData(0, 1, 0, Buffer.from('hi')))
    s.receiveFrame(encodeFin(1, 2, 0))
    expect(await readAll(s)).toBe('hi')
    // allowHalfOpen is false: reading the end ends our side; acknowledge our FIN.
    await eventually(() => out.some((f) => f.type === FrameType.Fin))
    s.receiveFrame(encodeAck({ probe: false, next: 1, window: 65536, spurious: 0, ranges: [] }))
    await closed(s)
    out.length = 0
    s.receiveFrame(encodeFin(1, 3, 1))
    expect(out).toEqual([expect.objectContaining({ type: FrameType.Ack, next: 2 })])
    expect((out[0] as AckFrame).echo).toBe(3)
    out.length = 0
    s.receiveFrame(encodeData(5, 4, 0, Buffer.from('late')))
    s.receiveFrame(encodeData(6, 4, 0, Buffer.from('late')))
    expect(out).toEqual([{ type: FrameType.Rst, reason: RstReason.Abort }])
  })
})

async function readAll (s: ReliableStream): Promise<string> {
  const parts: Buffer[] = []
  s.on('data', (d: Buffer) => parts.push(d))
  await once(s, 'end')
  return Buffer.concat(parts).toString()
}
