import type { Duplex } from 'node:stream'
import { tryDecode } from '../../wire/codec.js'
import { SLICE_BYTES } from './chunk-format.js'
import { FrameParser } from './frame-parser.js'
import { RefuseReason, type StreamFrame, decodeStreamFrame, encodeStreamFrame, sliceFrameHeader } from './messages.js'

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
  getRange: (id: Uint8Array, offset: number, length: number) => Buffer | undefined
  noteMissing: (id: Uint8Array) => number
}

export interface SliceServerOptions {
  store: SliceServerStore
  maxQueued: number
  idleMs: number
  onSlice?: (bytes: number) => void
  onNotFound?: () => void
  onMalformed?: () => void
  onClose?: () => void
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
        if (!o.store.has(req.chunkId)) {
          o.onNotFound?.()
          await send(encodeStreamFrame({ type: 'sliceNotFound', count: o.store.noteMissing(req.chunkId) }))
          continue
        }
        for (let i = req.first; i < req.first + req.count && !closed; i++) {
          const bytes = o.store.getRange(req.chunkId, i * SLICE_BYTES, SLICE_BYTES)
          if (bytes === undefined) { // evicted meanwhile
            await send(encodeStreamFrame({ type: 'sliceNotFound', count: o.store.noteMissing(req.chunkId) }))
            break
          }
          if (bytes.length === 0) {
            await send(encodeStreamFrame({ type: 'sliceRefused', reason: RefuseReason.badRange }))
            break
          }
          stream.write(sliceFrameHeader(i, bytes.length))
          await send(bytes)
          o.onSlice?.(bytes.length)
        }
      }
    } catch {
      close()
    } finally {
      pumping = false
    }
    if (peerEnded && queue.length === 0 && !closed) { stream.end(); finish() }
  }

  /** Writes and, when the stream is full, waits until it drains (or closes). */
  async function send (b: Buffer): Promise<void> {
    if (closed) return
    if (stream.write(b)) return
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
