import { Duplex } from 'node:stream'
import { performance } from 'node:perf_hooks'
import {
  ACK_EVERY_FRAMES_REORDERED, ackEveryFrames, DEFAULT_IDLE_TIMEOUT_MS, DEFAULT_MAX_RECEIVE_WINDOW, DEFAULT_MTU, DEFAULT_SEND_BUFFER,
  INITIAL_PEER_WINDOW, MAX_MTU, MAX_RECEIVE_WINDOW, MAX_SACK_RANGES, MIN_MTU, RTO_MIN_MS
} from './constants.js'
import { StreamError } from './errors.js'
import {
  ACK_HEADER_BYTES, type AckFrame, DATA_HEADER_BYTES, type DataFrame, type FinFrame, FrameType, RstReason,
  SACK_RANGE_BYTES, encodeAck, encodeRst, tryDecodeFrame
} from './frames.js'
import { StreamReceiver } from './receiver.js'
import { StreamSender } from './sender.js'

export interface ReliableStreamOptions {
  /** Sends one frame (≤ mtu bytes) on the link's datagram session. Must not call back into the peer synchronously. */
  send: (frame: Buffer) => void
  /**
   * Sends a DATA frame given as head ‖ payload, without joining them (the link
   * encrypts the pieces in turn and sends them as one datagram). Optional:
   * without it DATA frames are joined and go through `send`.
   */
  sendData?: (head: Buffer, payload: Buffer) => void
  /** Largest frame the link carries, header included (default 1150). */
  mtu?: number
  /** Which side opened the stream (informational: the protocol is symmetric). */
  initiator: boolean
  /** Clock in milliseconds (default performance.now). */
  now?: () => number
  /** Called once when the stream is destroyed, with the error if any. */
  onClose?: (err?: Error) => void
  /** Bound on unread + reordered bytes held for the reader (default 8 MiB, at least 64 KiB). */
  maxReceiveWindow?: number
  /** Destroy with STREAM_TIMEOUT after this long without a valid frame from the peer (default 30 s; 0 disables). */
  idleTimeoutMs?: number
  /** Bound on written-but-unacknowledged bytes before write callbacks wait (default 4 MiB). */
  sendBufferSize?: number
  /** Send a PROBE (which the peer answers) after this long without hearing from it; 0 (default) disables. */
  keepAliveMs?: number
  /** Like net.Socket: false (default) ends the writable side when the peer's FIN has been read. */
  allowHalfOpen?: boolean
  readableHighWaterMark?: number
  writableHighWaterMark?: number
}

export interface ReliableStreamStats {
  /** Application bytes sent at least once / acknowledged by the peer. */
  bytesSent: number
  bytesAcked: number
  /** Application bytes delivered in order to the reader. */
  bytesReceived: number
  framesSent: number
  framesReceived: number
  retransmits: number
  /** Frames declared lost (RACK or RTO). */
  framesLost: number
  timeouts: number
  spuriousTimeouts: number
  lossEpisodes: number
  /** Needless retransmissions the peer reported. */
  spuriousRetransmits: number
  duplicates: number
  /** Frames the receiver dropped for lack of window or reorder slots. */
  windowDrops: number
  malformed: number
  /** Milliseconds; undefined before the first sample. */
  srtt: number | undefined
  rttvar: number
  minRtt: number | undefined
  rto: number
  /** Bytes. */
  cwnd: number
  ssthresh: number
  bytesInFlight: number
  peerWindow: number
  sendBuffered: number
  /** Bytes held for the reader: unread plus out of order. */
  receiveBuffered: number
  tailProbes: number
  /** Bytes per second (Infinity: unpaced). */
  pacingRate: number
  /** Delivery-rate estimate, bytes per second. */
  bandwidth: number
}

/** Bound on frames queued while the stream is busy (a synchronous link). */
const MAX_REENTRANT_FRAMES = 4096

interface ClosedState { graceful: boolean, next: number, spurious: number, lastRst: number }

/**
 * A reliable, in-order, flow- and congestion-controlled byte stream over an
 * unreliable datagram channel (the link layer's per-stream frames). See
 * frames.ts for the wire format, sender.ts for reliability and loss
 * detection, congestion-controller.ts for the controller, receiver.ts for
 * flow control.
 *
 * Node stream semantics follow net.Socket: `end()` sends FIN once all data is
 * acknowledged and 'finish' fires when the FIN is acknowledged; 'end' fires
 * when the peer's FIN is read; 'close' after both (or after destroy).
 * `destroy(err)` sends RST; a received RST destroys with STREAM_RESET. One
 * timer per stream serves RTO, loss detection, probes, pacing and idle
 * timeout; it is unref'd.
 */
export class ReliableStream extends Duplex {
  readonly initiator: boolean
  private readonly sendFrame: (frame: Buffer) => void
  private readonly sendData: ((head: Buffer, payload: Buffer) => void) | undefined
  private readonly clock: () => number
  private readonly onCloseHook: ((err?: Error) => void) | undefined
  private readonly maxWindow: number
  private readonly idleTimeoutMs: number
  private readonly keepAliveMs: number
  private readonly sendBufferSize: number
  private readonly windowUpdateStep: number
  private readonly ackEvery: number
  private readonly sender: StreamSender
  private readonly receiver: StreamReceiver

  private pending: Buffer[] = []
  private pendingHead = 0
  private pendingBytes = 0
  private readPaused = false
  private endPushed = false
  private writeCb: ((err?: Error | null) => void) | undefined
  private finalCb: ((err?: Error | null) => void) | undefined
  private flushQueued = false
  private ackQueued = false
  private timer: NodeJS.Timeout | undefined
  private timerAt = 0
  private lastHeard: number
  private lastKeepAlive: number
  private lastAdvertisedEdge = 0
  private malformed = 0
  private sendBroken = false
  private closedState: ClosedState | undefined
  private busy = false
  private inbox: Buffer[] = []

  constructor (opts: ReliableStreamOptions) {
    super({
      allowHalfOpen: opts.allowHalfOpen ?? false,
      readableHighWaterMark: opts.readableHighWaterMark ?? 64 * 1024,
      writableHighWaterMark: opts.writableHighWaterMark
    })
    const mtu = opts.mtu ?? DEFAULT_MTU
    if (!Number.isInteger(mtu) || mtu < MIN_MTU || mtu > MAX_MTU) throw new RangeError(`mtu must be an integer in [${MIN_MTU}, ${MAX_MTU}]`)
    this.initiator = opts.initiator
    this.sendFrame = opts.send
    this.sendData = opts.sendData
    this.clock = opts.now ?? (() => performance.now())
    this.onCloseHook = opts.onClose
    this.maxWindow = Math.min(MAX_RECEIVE_WINDOW, Math.max(INITIAL_PEER_WINDOW, Math.floor(opts.maxReceiveWindow ?? DEFAULT_MAX_RECEIVE_WINDOW)))
    this.idleTimeoutMs = opts.idleTimeoutMs ?? DEFAULT_IDLE_TIMEOUT_MS
    this.keepAliveMs = opts.keepAliveMs ?? 0
    this.sendBufferSize = opts.sendBufferSize ?? DEFAULT_SEND_BUFFER
    this.windowUpdateStep = Math.min(this.maxWindow / 4, 64 * 1024)
    this.ackEvery = ackEveryFrames(mtu)

    const now = this.clock()
    this.lastHeard = now
    this.lastKeepAlive = now
    const maxPayload = mtu - DATA_HEADER_BYTES
    const maxHeld = Math.max(1024, 4 * Math.ceil(this.maxWindow / maxPayload))
    const maxRanges = Math.min(MAX_SACK_RANGES, Math.floor((mtu - ACK_HEADER_BYTES) / SACK_RANGE_BYTES))
    this.receiver = new StreamReceiver(this.maxWindow, maxHeld, maxRanges, (p) => this.deliver(p))
    this.sender = new StreamSender({
      mtu, now, emit: (f, payload) => this.emitFrame(f, payload), probe: () => this.sendAck(true)
    })
    this.lastAdvertisedEdge = this.maxWindow
    this.armTimer()
  }

  get stats (): ReliableStreamStats {
    const s = this.sender.stats; const r = this.receiver.stats; const rtt = this.sender.rtt
    return {
      bytesSent: s.bytesSent,
      bytesAcked: s.bytesAcked,
      bytesReceived: r.bytesReceived,
      framesSent: s.framesSent,
      framesReceived: r.framesReceived,
      retransmits: s.retransmits,
      framesLost: s.framesLost,
      timeouts: s.timeouts,
      spuriousTimeouts: s.spuriousTimeouts,
      lossEpisodes: s.lossEpisodes,
      spuriousRetransmits: s.spuriousReported,
      duplicates: r.duplicates,
      windowDrops: r.windowDrops,
      malformed: this.malformed,
      srtt: rtt.srtt,
      rttvar: rtt.rttvar,
      minRtt: Number.isFinite(rtt.minRtt) ? rtt.minRtt : undefined,
      rto: rtt.rto,
      cwnd: this.sender.cc.cwnd,
      ssthresh: this.sender.cc.ssthresh,
      bytesInFlight: this.sender.bytesInFlight,
      peerWindow: this.sender.peerWindow,
      sendBuffered: this.sender.bufferedBytes,
      receiveBuffered: this.unread + this.receiver.heldPayloadBytes,
      tailProbes: s.tailProbes,
      pacingRate: this.sender.pacingRate * 1000,
      bandwidth: this.sender.cc.bandwidth * 1000
    }
  }

  /**
   * Hands one frame from the link to the stream. Never throws. The stream may
   * keep slices of `frame` (payload bytes), so the link must not reuse the
   * buffer. A link that delivers synchronously from inside `send` is fine:
   * frames arriving while the stream is busy are queued and taken in order.
   */
  receiveFrame (frame: Buffer): void {
    if (this.busy) {
      if (this.inbox.length < MAX_REENTRANT_FRAMES) this.inbox.push(frame)
      return
    }
    // exclusive(), inlined: this runs once per packet, and a closure per packet is garbage.
    this.busy = true
    try {
      this.takeFrame(frame)
      for (let i = 0; i < this.inbox.length; i++) this.takeFrame(this.inbox[i])
    } finally {
      if (this.inbox.length > 0) this.inbox = []
      this.busy = false
    }
  }

  /** Runs `fn`, then any frames that arrived re-entrantly meanwhile. */
  private exclusive (fn: () => void): void {
    if (this.busy) { fn(); return }
    this.busy = true
    try {
      fn()
      for (let i = 0; i < this.inbox.length; i++) this.takeFrame(this.inbox[i])
    } finally {
      if (this.inbox.length > 0) this.inbox = []
      this.busy = false
    }
  }

  private takeFrame (frame: Buffer): void {
    try {
      if (this.closedState !== undefined || this.destroyed) { this.answerAfterClose(frame); return }
      const f = tryDecodeFrame(frame)
      if (f === undefined) { this.malformed++; return }
      const now = this.clock()
      this.lastHeard = now
      switch (f.type) {
        case FrameType.Data:
        case FrameType.Fin:
          this.onData(f)
          break
        case FrameType.Ack:
          this.onAck(f, now)
          break
        case FrameType.Rst:
          this.destroy(new StreamError('STREAM_RESET', `peer reset the stream (reason ${f.reason})`, { reason: f.reason }))
          return
      }
      this.afterEvent()
    } catch (err) {
      this.destroy(err instanceof Error ? err : new Error(String(err)))
    }
  }

  private onData (f: DataFrame | FinFrame): void {
    const v = this.receiver.onFrame(f, this.unread)
    if (v.kind === 'violation') { this.protocolError(v.reason); return }
    if (this.receiver.finished) {
      this.maybePushEnd()
      this.sendAck(false) // the FIN: answer at once, we may close soon
    } else if ((v.kind === 'accepted' && v.gap) ||
      this.receiver.unacknowledged >= (this.receiver.heldPackets === 0 ? this.ackEvery : ACK_EVERY_FRAMES_REORDERED)) {
      this.sendAck(false)
    } else {
      this.queueAck()
    }
  }

  private onAck (f: AckFrame, now: number): void {
    const v = this.sender.onAck(f, now)
    if (!v.ok) { this.protocolError(v.reason); return }
    if (f.probe) this.sendAck(false)
  }

  /** After any event: send what can be sent, release writers, finish, re-arm. */
  private afterEvent (): void {
    if (this.destroyed) return
    this.sender.flush(this.clock())
    if (this.writeCb !== undefined && this.sender.bufferedBytes <= this.sendBufferSize) {
      const cb = this.writeCb
      this.writeCb = undefined
      cb()
    }
    if (this.finalCb !== undefined && this.sender.finished) {
      const cb = this.finalCb
      this.finalCb = undefined
      cb()
    }
    this.armTimer()
  }

  override _write (chunk: Buffer, _encoding: BufferEncoding, cb: (err?: Error | null) => void): void {
    this.sender.write(chunk)
    if (this.sender.bufferedBytes <= this.sendBufferSize) cb()
    else this.writeCb = cb
    this.queueFlush()
  }

  override _final (cb: (err?: Error | null) => void): void {
    this.sender.requestFin()
    this.finalCb = cb
    this.queueFlush()
  }

  override _read (): void {
    this.exclusive(() => this.drainPending())
  }

  private drainPending (): void {
    this.readPaused = false
    while (this.pendingHead < this.pending.length && !this.readPaused) {
      const p = this.pending[this.pendingHead++]
      this.pendingBytes -= p.length
      if (!this.push(p)) this.readPaused = true
    }
    if (this.pendingHead === this.pending.length) {
      this.pending = []
      this.pendingHead = 0
    }
    this.maybePushEnd()
    this.maybeWindowUpdate()
  }

  override _destroy (err: Error | null, cb: (err?: Error | null) => void): void {
    const graceful = err === null && this.sender.finished && this.receiver.finished
    if (this.timer !== undefined) { clearTimeout(this.timer); this.timer = undefined }
    if (!this.sendBroken) {
      if (graceful) {
        if (this.receiver.unacknowledged > 0) this.sendAck(false)
      } else if (!(err instanceof StreamError && err.code === 'STREAM_RESET')) {
        this.emitFrame(encodeRst(rstReasonFor(err)))
      }
    }
    this.closedState = { graceful, next: this.receiver.next, spurious: this.receiver.stats.spurious, lastRst: -Infinity }
    this.sender.clear()
    this.pending = []
    this.pendingHead = 0
    this.pendingBytes = 0
    const writeCb = this.writeCb
    this.writeCb = undefined
    this.finalCb = undefined
    try { this.onCloseHook?.(err ?? undefined) } finally {
      cb(err)
      // A write held for buffer space would otherwise never complete.
      writeCb?.(err ?? new StreamError('STREAM_RESET', 'stream destroyed'))
    }
  }

  /** Unread bytes: pushed but not consumed, plus held back by backpressure. */
  private get unread (): number { return this.readableLength + this.pendingBytes }

  private deliver (payload: Buffer): void {
    if (this.readPaused || this.pendingHead < this.pending.length) {
      this.pending.push(payload)
      this.pendingBytes += payload.length
    } else if (!this.push(payload)) {
      this.readPaused = true
    }
  }

  private maybePushEnd (): void {
    if (this.endPushed || !this.receiver.finished || this.pendingHead < this.pending.length) return
    this.endPushed = true
    this.push(null)
  }

  /**
   * The reader consumed data: tell a possibly blocked sender the window moved.
   * Only when less than half the window we advertised is still open to the
   * sender (as TCP receivers do): above that it is not blocked, and the ACKs
   * its data draws carry the new edge anyway. (Updating every step regardless
   * cost an ACK per 64 KiB read: most of the ACKs of a bulk download.) A
   * sender blocked for good with nothing in flight probes (PROBE), and is
   * answered.
   */
  private maybeWindowUpdate (): void {
    if (this.destroyed || this.closedState !== undefined) return
    const edge = this.receiver.stats.bytesReceived - this.unread + this.maxWindow
    if (edge - this.lastAdvertisedEdge < this.windowUpdateStep) return
    const stillOpen = this.lastAdvertisedEdge - this.receiver.stats.bytesReceived - this.receiver.heldPayloadBytes
    if (stillOpen < this.maxWindow / 2) this.sendAck(false)
  }

  private sendAck (probe: boolean): void {
    const unread = this.unread
    const window = Math.max(0, this.maxWindow - unread)
    const ack = this.receiver.buildAck(window, probe)
    this.lastAdvertisedEdge = this.receiver.stats.bytesReceived - unread + this.maxWindow
    this.emitFrame(encodeAck(ack))
  }

  private queueAck (): void {
    if (this.ackQueued) return
    this.ackQueued = true
    setImmediate(() => {
      this.ackQueued = false
      if (this.destroyed || this.closedState !== undefined) return
      if (this.receiver.unacknowledged > 0) this.exclusive(() => this.sendAck(false))
    })
  }

  private queueFlush (): void {
    if (this.flushQueued) return
    this.flushQueued = true
    queueMicrotask(() => {
      this.flushQueued = false
      if (this.destroyed) return
      this.exclusive(() => {
        try { this.afterEvent() } catch (err) { this.destroy(err instanceof Error ? err : new Error(String(err))) }
      })
    })
  }

  /** `payload`: the frame is frame ‖ payload (a DATA frame in two pieces). */
  private emitFrame (frame: Buffer, payload?: Buffer): void {
    if (this.sendBroken) return
    try {
      if (payload === undefined) this.sendFrame(frame)
      else if (this.sendData !== undefined) this.sendData(frame, payload)
      else this.sendFrame(Buffer.concat([frame, payload]))
    } catch (err) {
      this.sendBroken = true
      const e = new StreamError('STREAM_SEND_FAILED', 'the link refused a frame', { cause: err })
      queueMicrotask(() => this.destroy(e))
    }
  }

  private protocolError (reason: string): void {
    this.destroy(new StreamError('STREAM_PROTOCOL', `stream protocol violation: ${reason}`))
  }

  private armTimer (): void {
    if (this.destroyed) return
    let d = this.sender.nextDeadline()
    if (this.idleTimeoutMs > 0) { const t = this.lastHeard + this.idleTimeoutMs; if (d === undefined || t < d) d = t }
    if (this.keepAliveMs > 0) { const t = Math.max(this.lastHeard, this.lastKeepAlive) + this.keepAliveMs; if (d === undefined || t < d) d = t }
    if (d === undefined) {
      if (this.timer !== undefined) { clearTimeout(this.timer); this.timer = undefined }
      return
    }
    if (this.timer !== undefined && this.timerAt <= d) return
    if (this.timer !== undefined) clearTimeout(this.timer)
    const now = this.clock()
    const delay = Math.max(1, Math.ceil(d - now))
    this.timerAt = now + delay
    this.timer = setTimeout(() => this.onTimer(), delay)
    this.timer.unref()
  }

  private onTimer (): void {
    this.timer = undefined
    if (this.destroyed) return
    this.exclusive(() => this.timerWork())
  }

  private timerWork (): void {
    try {
      const now = this.clock()
      if (this.idleTimeoutMs > 0 && now >= this.lastHeard + this.idleTimeoutMs) {
        this.destroy(new StreamError('STREAM_TIMEOUT', `no frame from the peer for ${this.idleTimeoutMs} ms`))
        return
      }
      if (this.keepAliveMs > 0 && now >= Math.max(this.lastHeard, this.lastKeepAlive) + this.keepAliveMs) {
        this.lastKeepAlive = now
        this.sendAck(true)
      }
      this.sender.onTimer(now)
      this.afterEvent()
    } catch (err) {
      this.destroy(err instanceof Error ? err : new Error(String(err)))
    }
  }

  /**
   * After close: a peer whose last ACK was lost retransmits FIN or DATA we
   * already have; answer with an ACK so it can finish. Anything else gets an
   * RST (at most one per RTO_MIN_MS), never in reply to an RST.
   */
  private answerAfterClose (frame: Buffer): void {
    const c = this.closedState
    if (c === undefined) return
    const f = tryDecodeFrame(frame)
    if (f === undefined) { this.malformed++; return }
    if (f.type === FrameType.Rst) return
    if (c.graceful && (f.type === FrameType.Data || f.type === FrameType.Fin) && f.seq < c.next) {
      this.emitFrame(encodeAck({ probe: false, echo: f.ts, next: c.next, window: 0, spurious: c.spurious >>> 0, ranges: [] }))
      return
    }
    if (c.graceful && f.type === FrameType.Ack) return
    const now = this.clock()
    if (now - c.lastRst < RTO_MIN_MS) return
    c.lastRst = now
    this.emitFrame(encodeRst(RstReason.Abort))
  }
}

function rstReasonFor (err: Error | null): number {
  if (err instanceof StreamError) {
    if (err.code === 'STREAM_PROTOCOL') return RstReason.Protocol
    if (err.code === 'STREAM_TIMEOUT') return RstReason.Timeout
    if (err.code === 'STREAM_SEND_FAILED') return RstReason.SendFailed
  }
  return RstReason.Abort
}
