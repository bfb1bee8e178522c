import type { Duplex } from 'node:stream'
import { tryDecode } from '../../wire/codec.js'
import { MAX_SLICES, SLICE_BYTES } from './chunk-format.js'
import { FrameParser } from './frame-parser.js'
import type { PeerServeGate } from './serve-gate.js'
import { RefuseReason, SLICE_HEADER_BYTES, type StreamFrame, decodeStreamFrame, encodeStreamFrame, sliceFrameHeader } from './messages.js'

/**
 * The serving end of a "chunks" stream: reads SLICE_REQUEST frames, answers
 * them in order from the store, and respects backpressure (a slice is only
 * read from the store once the previous one was accepted by the stream).
 * Bounds: request frames are tiny (the parser refuses anything longer), at
 * most `maxQueued` requests may wait, and a stream on which the peer neither
 * reads nor asks for `idleMs` is dropped. Anything malformed drops the
 * stream; nothing from the peer can throw out of here.
 */
export interface SliceServerStore {
  has: (id: Uint8Array) => boolean
  withRange: (id: Uint8Array, offset: number, length: number, use: (view: Buffer) => void) => number | undefined
  noteMissing: (id: Uint8Array) => number
}

export interface SliceServerOptions {
  store: SliceServerStore
  maxQueued: number
  idleMs: number
  onSlice?: (bytes: number, chunkId: Buffer) => void
  /**
   * The bandwidth this node sells (sell-policy.ts BandwidthBudget.reserve): milliseconds to
   * wait before sending `bytes` of slices; absent or 0: at once.
   */
  pace?: (bytes: number) => number
  onNotFound?: () => void
  onMalformed?: () => void
  onClose?: () => void
  /** Credit line, turn under load and charge for the peer (accounting); absent: free, at once. */
  gate?: PeerServeGate
}

/** Largest request frame body (type + id + first + count). */
const MAX_REQUEST_BODY = 35

export function serveSliceStream (stream: Duplex, o: SliceServerOptions): void {
  const parser = new FrameParser(MAX_REQUEST_BODY)
  const queue: Array<Extract<StreamFrame, { type: 'sliceRequest' }>> = []
  let pumping = false
  let peerEnded = false
  let closed = false
  let idle: NodeJS.Timeout | undefined

  const close = (): void => {
    if (closed) return
    closed = true
    if (idle !== undefined) clearTimeout(idle)
    stream.destroy()
    o.onClose?.()
  }
  const touch = (): void => {
    if (idle !== undefined) clearTimeout(idle)
    idle = setTimeout(close, o.idleMs)
    idle.unref()
  }
  const drop = (): void => { o.onMalformed?.(); close() }

  stream.on('error', close)
  stream.on('close', close)
  stream.on('end', () => {
    peerEnded = true
    if (!pumping && queue.length === 0 && !closed) { stream.end(); finish() }
  })
  stream.on('data', (d: Buffer) => {
    if (closed) return
    touch()
    let bodies: Buffer[]
    try { bodies = parser.push(d) } catch { drop(); return }
    for (const b of bodies) {
      const f = tryDecode(decodeStreamFrame, b)
      if (f?.type !== 'sliceRequest') { drop(); return }
      queue.push(f)
    }
    if (queue.length > o.maxQueued) { drop(); return }
    void pump()
  })
  touch()

  // After our end() the peer closes its side; the idle timer covers one that never does.
  function finish (): void { touch() }

  async function pump (): Promise<void> {
    if (pumping) return
    pumping = true
    try {
      while (queue.length > 0 && !closed) {
        const req = queue.shift() as Extract<StreamFrame, { type: 'sliceRequest' }>
        const owed = o.gate?.admit(req.chunkId)
        if (owed !== undefined) {
          // Past its credit line: the debt and where to pay it, then nothing more on this stream.
          const a = await owed
          queue.length = 0
          await send(encodeStreamFrame({ type: 'sliceOwed', owedCredit: a.owedCredit, sats: a.sats, uri: a.uri }))
          stream.end()
          finish()
          return
        }
        if (!o.store.has(req.chunkId)) {
          o.onNotFound?.()
          await send(encodeStreamFrame({ type: 'sliceNotFound', count: o.store.noteMissing(req.chunkId) }))
          continue
        }
        // Requests that continue this one (a downloader tops its pipeline up with the next run
        // of the same chunk) are answered with it: the store copies the whole chunk on every
        // read, so two requests of 2 slices each cost two megabyte copies where one would do.
        const ends = [req.first + req.count]
        let count = req.count
        while (queue.length > 0) {
          const q = queue[0]
          if (q.first !== req.first + count || count + q.count > MAX_SLICES || !q.chunkId.equals(req.chunkId)) break
          queue.shift()
          count += q.count
          ends.push(q.first + q.count)
        }
        // All the slices asked for, framed into one buffer of ours: one read of the store, one
        // copy out of it, and one write, so the stream cuts packets out of a single buffer
        // instead of joining a header to each slice.
        let frames: Buffer | undefined
        let used = 0
        let tail: Buffer | undefined
        // Under load, this request waits its weighted fair turn (given back below, or by the
        // gate's own deadline when this throws or the peer stops reading).
        const turn = o.gate?.turn(count * SLICE_BYTES)
        if (turn !== undefined) await turn
        const n = o.store.withRange(req.chunkId, req.first * SLICE_BYTES, count * SLICE_BYTES, (run) => {
          frames = Buffer.allocUnsafe(Math.ceil(run.length / SLICE_BYTES) * SLICE_HEADER_BYTES + run.length)
          for (let off = 0; off < run.length; off += SLICE_BYTES) {
            const slice = run.subarray(off, off + SLICE_BYTES)
            sliceFrameHeader(req.first + off / SLICE_BYTES, slice.length, frames, used)
            slice.copy(frames, used + SLICE_HEADER_BYTES)
            used += SLICE_HEADER_BYTES + slice.length
            o.onSlice?.(slice.length, req.chunkId)
          }
        })
        if (n === undefined) { // evicted meanwhile
          tail = encodeStreamFrame({ type: 'sliceNotFound', count: o.store.noteMissing(req.chunkId) })
        } else {
          // Asked past the chunk's end: what exists, then a refusal for each request that
          // reached past it, as if they had been answered one by one.
          const have = req.first + Math.ceil(n / SLICE_BYTES)
          const refused = ends.filter(e => e > have).length
          if (refused > 0) tail = Buffer.concat(Array.from({ length: refused }, () => encodeStreamFrame({ type: 'sliceRefused', reason: RefuseReason.badRange })))
        }
        if (frames !== undefined && used > 0) {
          const waitMs = o.pace?.(n ?? 0) ?? 0
          if (waitMs > 0) await new Promise<void>((resolve) => { setTimeout(resolve, waitMs).unref() })
          if (closed) return
          o.gate?.charge(req.chunkId, n ?? 0)
          const wait = send(frames.subarray(0, used))
          if (wait !== undefined) await wait
        }
        if (tail !== undefined) await send(tail)
        o.gate?.done()
      }
    } catch {
      close()
    } finally {
      pumping = false
    }
    if (peerEnded && queue.length === 0 && !closed) { stream.end(); finish() }
  }

  /**
   * Writes and, when the stream holds the bytes back (its send buffer is full), waits until it
   * drains (or closes). A stream that took the bytes at once (writableLength back to 0, even
   * if write() said false because one slice exceeds its high-water mark) is not waited on: the
   * next slices then go out in the same tick and share packets instead of ending each slice in
   * a short one.
   */
  function send (b: Buffer): Promise<void> | undefined {
    if (closed) return
    if (stream.write(b) || stream.writableLength === 0) return
    return drained()
  }

  async function drained (): Promise<void> {
    await new Promise<void>((resolve) => {
      const done = (): void => {
        stream.off('drain', done)
        stream.off('close', done)
        resolve()
      }
      stream.on('drain', done)
      stream.on('close', done)
    })
    touch()
  }
}

/** Tells a peer that this node serves no more streams right now, and closes. */
export function refuseSliceStream (stream: Duplex): void {
  stream.on('error', () => {})
  stream.end(encodeStreamFrame({ type: 'sliceRefused', reason: RefuseReason.busy }))
  const t = setTimeout(() => { stream.destroy() }, 5000)
  t.unref()
}
