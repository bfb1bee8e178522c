import { Duplex } from 'node:stream'
import { STREAM_SENDME, STREAM_WINDOW, Window } from './flow-control.js'
import { RELAY_DATA_MAX } from './relay-message.js'
import { circuitClosedError, streamClosedError } from './end-reasons.js'
import { END_REASON, type EndReason } from './tunnel-api.js'

/**
 * What a stream needs from the circuit end it rides on: sending its cells
 * (sealed by whoever owns the layers) and waiting for room in the circuit's
 * window and the channel.
 */
export interface StreamCarrier {
  /** Resolves when one more data cell may leave (circuit window, channel); rejects when the circuit closed. */
  ready: () => Promise<void>
  /** True when a data cell may leave right now (ready() resolving does not reserve one: another stream may take it first). */
  canSend: () => boolean
  /** canSend, and the channel under the circuit has room too: a cell may leave without waiting on anything. */
  canSendNow: () => boolean
  sendData: (streamId: number, data: Buffer) => void
  sendEnd: (streamId: number, reason: EndReason) => void
  sendSendme: (streamId: number) => void
  forget: (streamId: number) => void
}

/** Bytes of the buffer that DATA cells of a busy stream are gathered into before the reader gets them. */
export const INBOX_BYTES = 64 * 1024
/** A quiet stream's inbox: a few cells, carved from Node's shared pool, and let go after each turn. */
const SMALL_INBOX_BYTES = 4 * RELAY_DATA_MAX

/**
 * One stream over a circuit as a Node Duplex: writes are cut into DATA cells
 * that wait for both windows (stream and circuit) and the channel; reads are
 * acknowledged (SENDME) only once the reader has taken them, so a slow reader
 * slows the sender instead of filling memory. END with reason `done` is a
 * half-close (like a TCP FIN); any other reason aborts the stream.
 *
 * Arriving DATA is copied into an inbox and pushed to the reader once per
 * event-loop turn (or when the inbox fills): one chunk for the cells of a
 * turn, not a chunk (and, for an async-iterating reader, a promise) per
 * 886-byte cell. The cell's bytes are copied at once, so the caller may reuse
 * the buffer it passed. The pushed chunks are views of the inbox, which is
 * never written under them (the next cells go after them, then into a new one).
 * A stream that gets a few cells a turn holds no inbox between turns.
 */
export class CircuitStream extends Duplex {
  readonly window = new Window(STREAM_WINDOW, STREAM_SENDME)
  private remoteEnded = false
  private localEnded = false
  /** Cells pushed while the reader was behind; acknowledged when it reads. */
  private held = 0
  /** DATA of this turn, not yet pushed: `inbox` bytes `pushedTo`..`inboxUsed`, from `inboxCells` cells. */
  private inbox?: Buffer
  private inboxUsed = 0
  private pushedTo = 0
  private inboxCells = 0
  private deliverScheduled = false
  /** Whole turns' worth of cells arrive: keep a large inbox. */
  private busy = false
  bytesIn = 0
  bytesOut = 0

  constructor (readonly streamId: number, readonly service: string, private readonly carrier: StreamCarrier) {
    super({ readableHighWaterMark: 64 * 1024, writableHighWaterMark: 64 * 1024 })
    // A far side that aborts must never crash this node through an 'error' nobody listens to;
    // the owner's own listeners still hear it.
    this.on('error', () => {})
  }

  /** A DATA cell for this stream (copied before this returns); false when the peer overran the stream window. */
  onData (data: Buffer): boolean {
    if (!this.window.received()) return false
    if (this.remoteEnded || this.destroyed) return true
    this.bytesIn += data.length
    if (this.inbox === undefined || this.inboxUsed + data.length > this.inbox.length) {
      if (this.inbox !== undefined) { this.busy = true; this.deliver() }
      this.inbox = Buffer.allocUnsafe(Math.max(this.busy ? INBOX_BYTES : SMALL_INBOX_BYTES, data.length))
      this.inboxUsed = 0
      this.pushedTo = 0
    }
    data.copy(this.inbox, this.inboxUsed)
    this.inboxUsed += data.length
    this.inboxCells++
    if (!this.deliverScheduled) {
      this.deliverScheduled = true
      setImmediate(() => { this.endOfTurn() })
    }
    return true
  }

  private endOfTurn (): void {
    this.deliverScheduled = false
    const cells = this.inboxCells
    this.deliver()
    if (cells * RELAY_DATA_MAX < SMALL_INBOX_BYTES) {
      // A quiet turn: nothing is kept for the next one (the reader's chunks keep what they need).
      this.busy = false
      this.inbox = undefined
    }
  }

  /** Hands the reader what the inbox gathered since the last push. */
  private deliver (): void {
    const cells = this.inboxCells
    if (cells === 0 || this.inbox === undefined || this.destroyed) return
    const chunk = this.inbox.subarray(this.pushedTo, this.inboxUsed)
    this.pushedTo = this.inboxUsed
    this.inboxCells = 0
    if (this.push(chunk)) this.acknowledge(cells)
    else this.held += cells
  }

  private acknowledge (cells: number): void {
    const n = this.window.consumed(cells)
    for (let i = 0; i < n; i++) this.carrier.sendSendme(this.streamId)
  }

  /** A stream-level SENDME; false when it acknowledges more than we sent. */
  onSendme (): boolean { return this.window.acknowledged() }

  onEnd (reason: EndReason): void {
    if (this.remoteEnded) return
    this.remoteEnded = true
    if (reason === END_REASON.done) {
      this.deliver()
      this.push(null)
      this.maybeForget()
    } else {
      this.localEnded = true
      this.destroy(streamClosedError(reason, this.service))
    }
  }

  /** The circuit under the stream closed. */
  onCircuitClosed (reason: EndReason): void {
    this.remoteEnded = true
    this.localEnded = true
    this.window.release()
    if (!this.destroyed) this.destroy(circuitClosedError(reason))
  }

  override _read (): void {
    if (this.held > 0) {
      const n = this.held
      this.held = 0
      this.acknowledge(n)
    }
  }

  override _write (chunk: Buffer, _enc: BufferEncoding, cb: (err?: Error | null) => void): void {
    this.writeCells(chunk).then(() => cb(), cb)
  }

  private async writeCells (chunk: Buffer): Promise<void> {
    for (let at = 0; at < chunk.length; at += RELAY_DATA_MAX) {
      // While both windows and the channel have room, cells leave without a promise each.
      if (!this.window.canSend || !this.carrier.canSendNow()) {
        while (!this.window.canSend) {
          if (this.localEnded) throw circuitClosedError(END_REASON.done, 'the stream')
          await this.window.ready()
        }
        // Several streams may wake on one free cell of the circuit window: whoever runs first takes it.
        do await this.carrier.ready(); while (!this.carrier.canSend())
      }
      if (this.localEnded) throw circuitClosedError(END_REASON.done, 'the stream')
      const piece = chunk.subarray(at, Math.min(chunk.length, at + RELAY_DATA_MAX))
      this.window.sent()
      this.bytesOut += piece.length
      this.carrier.sendData(this.streamId, piece)
    }
  }

  override _final (cb: (err?: Error | null) => void): void {
    if (!this.localEnded) {
      this.localEnded = true
      this.carrier.sendEnd(this.streamId, END_REASON.done)
    }
    this.maybeForget()
    cb()
  }

  override _destroy (err: Error | null, cb: (err?: Error | null) => void): void {
    if (!this.localEnded || !this.remoteEnded) {
      // Aborted here: tell the far side, which frees its half at once. Once the far side
      // has finished, tearing down ours is no failure (a reader that stopped iterating).
      const reason = err === null || this.remoteEnded ? END_REASON.done : END_REASON.refused
      this.localEnded = true
      this.remoteEnded = true
      this.carrier.sendEnd(this.streamId, reason)
    }
    this.window.release()
    this.carrier.forget(this.streamId)
    this.inbox = undefined
    cb(err)
  }

  private maybeForget (): void {
    if (this.localEnded && this.remoteEnded) this.carrier.forget(this.streamId)
  }
}
