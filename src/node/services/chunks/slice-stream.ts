import type { Duplex } from 'node:stream'
import { WireError } from '../../wire/codec.js'
import { type FramePieces, FrameParser } from './frame-parser.js'
import { MAX_FRAME_BODY, type SlicePieces, type StreamFrame, decodeStreamFramePieces, encodeStreamFrame } from './messages.js'

/**
 * The downloader's end of one "chunks" stream: sends slice requests and
 * hands back the peer's frames one at a time, each within a deadline. The
 * peer's bytes are decoded or the stream is failed ('malformed'); a peer
 * that sends nothing for `timeoutMs` while we wait is 'slow'; a stream that
 * ends or breaks while we wait is 'closed'. Incoming frames are buffered up
 * to a small bound, past which the stream is paused (backpressure), so a
 * peer cannot make us hold more than a few slices.
 */
export type StreamFailure = 'slow' | 'closed' | 'malformed' | 'aborted'

/** A frame from the peer; a SLICE's bytes are left in the pieces they arrived in. */
export type ReceivedFrame = Exclude<StreamFrame, { type: 'slice' }> | SlicePieces

export class SliceStreamError extends Error {
  constructor (readonly failure: StreamFailure, message: string) {
    super(message)
    this.name = 'SliceStreamError'
  }
}

const MAX_BUFFERED_FRAMES = 8
const CLOSE_GRACE_MS = 5000

export class SliceStream {
  private readonly parser = new FrameParser(MAX_FRAME_BODY)
  private readonly frames: ReceivedFrame[] = []
  private failure: SliceStreamError | undefined
  private ended = false
  private wake: (() => void) | undefined
  /** Frame bytes received (including headers), for stats. */
  bytesIn = 0
  /** When bytes last came (Date.now()): a wait times out only after this long without any. */
  private lastDataAt = 0

  constructor (private readonly stream: Duplex) {
    stream.on('data', (d: Buffer) => { this.onData(d) })
    stream.on('end', () => { this.ended = true; this.notify() })
    stream.on('close', () => { this.ended = true; this.notify() })
    stream.on('error', () => { this.fail('closed', 'the stream broke') })
  }

  /**
   * True when the stream can carry another download's requests: open, not failed, and with
   * nothing from the peer waiting or half-read (every slice asked for was taken).
   */
  get reusable (): boolean {
    return this.failure === undefined && !this.ended && !this.stream.destroyed && this.frames.length === 0 && this.parser.pending === 0
  }

  request (chunkId: Buffer, first: number, count: number): void {
    if (this.failure !== undefined || this.stream.destroyed) return
    this.stream.write(encodeStreamFrame({ type: 'sliceRequest', chunkId, first, count }))
  }

  /** The next frame from the peer; rejects with SliceStreamError. */
  async next (timeoutMs: number, signal?: AbortSignal): Promise<ReceivedFrame> {
    for (;;) {
      const f = this.frames.shift()
      if (f !== undefined) {
        if (this.frames.length < MAX_BUFFERED_FRAMES / 2 && this.stream.isPaused()) this.stream.resume()
        return f
      }
      if (this.failure !== undefined) throw this.failure
      if (this.ended) throw new SliceStreamError('closed', 'the peer closed the stream')
      if (signal?.aborted === true) throw new SliceStreamError('aborted', 'aborted')
      await new Promise<void>((resolve) => {
        // Quiet for `timeoutMs` since the wait began or the last bytes came (a partial frame
        // counts: a slow peer still sending is not silent). The bytes only note their time; the
        // timer checks it when it fires, so a frame arriving in many packets costs one timer.
        const since = Date.now()
        const check = (): void => {
          const quiet = Date.now() - Math.max(since, this.lastDataAt)
          if (quiet >= timeoutMs) this.fail('slow', `no data for ${timeoutMs} ms`)
          else timer = setTimeout(check, timeoutMs - quiet)
        }
        let timer = setTimeout(check, timeoutMs)
        const onAbort = (): void => { this.fail('aborted', 'aborted') }
        signal?.addEventListener('abort', onAbort, { once: true })
        this.wake = () => {
          clearTimeout(timer)
          signal?.removeEventListener('abort', onAbort)
          this.wake = undefined
          resolve()
        }
      })
    }
  }

  /**
   * Gracefully (we are done with a good peer): ends our side, so the peer ends
   * its own and frees its serving slot, and destroys the stream only if that
   * takes long. Otherwise (a failed peer) drops the stream at once.
   */
  close (graceful = false): void {
    const s = this.stream
    if (s.destroyed) return
    if (!graceful) { s.destroy(); return }
    s.end()
    const t = setTimeout(() => { s.destroy() }, CLOSE_GRACE_MS)
    t.unref()
    s.once('close', () => { clearTimeout(t) })
  }

  private onData (d: Buffer): void {
    if (this.failure !== undefined) return
    this.bytesIn += d.length
    this.lastDataAt = Date.now()
    let bodies: FramePieces[]
    try {
      bodies = this.parser.pushPieces(d)
    } catch {
      this.fail('malformed', 'the peer sent a frame of impossible length')
      return
    }
    for (const b of bodies) {
      let f: ReceivedFrame | undefined
      try { f = decodeStreamFramePieces(b.pieces, b.length) } catch (err) {
        if (!(err instanceof WireError)) throw err
      }
      if (f === undefined || f.type === 'sliceRequest') {
        this.fail('malformed', 'the peer sent a malformed frame')
        return
      }
      this.frames.push(f)
    }
    if (bodies.length === 0) return // the middle of a slice: nothing for the reader yet
    if (this.frames.length >= MAX_BUFFERED_FRAMES) this.stream.pause()
    this.notify()
  }

  private fail (failure: StreamFailure, message: string): void {
    if (this.failure === undefined) this.failure = new SliceStreamError(failure, message)
    this.notify()
  }

  private notify (): void { this.wake?.() }
}
