import type { Duplex } from 'node:stream'
import { CircuitStream, type StreamCarrier } from './circuit-stream.js'
import { circuitClosedError, streamClosedError } from './end-reasons.js'
import { TunnelError, TunnelErrorCode } from './errors.js'
import { CIRCUIT_SENDME, CIRCUIT_WINDOW, STREAM_SENDME, Window } from './flow-control.js'
import {
  decodeBegin, decodeReason, decodeRequest, encodeBegin, encodeReason, encodeRequest, encodeSendme, decodeSendme,
  MAX_REQUEST_BYTES, RelayCommand, type RelayMessage
} from './relay-message.js'
import { END_REASON, type EndReason, type RelayCircuitContext, type RelayRequestHandler, type RelayStreamHandler } from './tunnel-api.js'

/**
 * One end of a conversation over a circuit: the origin and the hop it
 * addresses (the last hop, or the far origin past a virtual hop). Both ends
 * run this same code: streams (BEGIN/CONNECTED/DATA/END with stream
 * windows), the circuit window (SENDME on stream 0), requests with ids and
 * time-outs, notifications. How a message is sealed is the owner's business
 * (`EndLink.send`): layers at the origin, one layer at a relay.
 */
export interface EndLink {
  send: (msg: RelayMessage) => void
  /** Resolves when the channel under this end has room for more cells. */
  writable: () => Promise<void>
  /** Whether the channel has room right now. */
  writableNow: () => boolean
  /** The far end broke the protocol (overran a window, …): tear the circuit down. */
  fail: (reason: EndReason) => void
}

export interface EndHooks {
  streamHandler: (service: string) => RelayStreamHandler | undefined
  requestHandler: (name: string) => RelayRequestHandler | undefined
  /** How handlers see the circuit. */
  context: () => RelayCircuitContext
  onNotify?: (name: string, payload: Buffer) => void
  onDrop: (reason: string) => void
}

export const MAX_STREAMS_PER_CIRCUIT = 256
export const MAX_REQUESTS_IN_FLIGHT = 32
export const DEFAULT_REQUEST_TIMEOUT_MS = 15_000

interface PendingOpen { service: string, resolve: (s: Duplex) => void, reject: (e: Error) => void, stream: CircuitStream }
interface PendingRequest { resolve: (b: Buffer) => void, reject: (e: Error) => void, timer: NodeJS.Timeout }

export class CircuitEnd implements StreamCarrier {
  readonly window = new Window(CIRCUIT_WINDOW, CIRCUIT_SENDME)
  private readonly streams = new Map<number, CircuitStream>()
  private readonly opening = new Map<number, PendingOpen>()
  private readonly requests = new Map<number, PendingRequest>()
  /** Optimistic streams whose BEGIN is not answered yet (stream id → service). */
  private readonly unconfirmed = new Map<number, string>()
  private handling = 0
  private nextStream: number
  private nextRequest = 1
  private closedReason?: EndReason
  bytesIn = 0
  bytesOut = 0

  /** `opener` ends (the origin) use odd stream ids, the far end even ones, so both may open streams. */
  constructor (private readonly link: EndLink, private readonly hooks: EndHooks, opener: boolean) {
    this.nextStream = opener ? 1 : 2
  }

  get streamCount (): number { return this.streams.size }
  get closed (): boolean { return this.closedReason !== undefined }

  receive (msg: RelayMessage): void {
    if (this.closed) return
    switch (msg.command) {
      case RelayCommand.data: return this.onData(msg)
      case RelayCommand.sendme: return this.onSendme(msg)
      case RelayCommand.begin: return this.onBegin(msg)
      case RelayCommand.connected: return this.onConnected(msg)
      case RelayCommand.end: return this.onEnd(msg)
      case RelayCommand.request: return this.onRequest(msg)
      case RelayCommand.response: return this.onResponse(msg)
      case RelayCommand.notify: return this.onNotifyMsg(msg)
      case RelayCommand.drop: return
      default: this.hooks.onDrop('unexpected-command')
    }
  }

  private onData (msg: RelayMessage): void {
    if (!this.window.received()) { this.link.fail(END_REASON.protocol); return }
    this.bytesIn += msg.data.length
    // The circuit window counts cells that arrived, whatever their stream (Tor does the same).
    const n = this.window.consumed(1)
    for (let i = 0; i < n; i++) this.link.send({ command: RelayCommand.sendme, streamId: 0, data: encodeSendme(CIRCUIT_SENDME) })
    const stream = this.streams.get(msg.streamId)
    if (stream === undefined) { this.hooks.onDrop('unknown-stream'); return }
    if (!stream.onData(msg.data)) this.link.fail(END_REASON.protocol)
  }

  private onSendme (msg: RelayMessage): void {
    try { decodeSendme(msg.data) } catch { this.hooks.onDrop('malformed'); return }
    if (msg.streamId === 0) {
      if (!this.window.acknowledged()) this.link.fail(END_REASON.protocol)
      return
    }
    const stream = this.streams.get(msg.streamId)
    if (stream === undefined) return
    if (!stream.onSendme()) this.link.fail(END_REASON.protocol)
  }

  private onBegin (msg: RelayMessage): void {
    let service: string
    try { service = decodeBegin(msg.data) } catch { this.hooks.onDrop('malformed'); return }
    const id = msg.streamId
    if (id === 0 || this.streams.has(id) || this.opening.has(id)) { this.hooks.onDrop('stream-id-in-use'); return }
    const handler = this.hooks.streamHandler(service)
    if (handler === undefined) { this.sendEnd(id, END_REASON.noService); return }
    if (this.streams.size >= MAX_STREAMS_PER_CIRCUIT) { this.sendEnd(id, END_REASON.limit); return }
    const stream = new CircuitStream(id, service, this)
    this.streams.set(id, stream)
    this.link.send({ command: RelayCommand.connected, streamId: id, data: Buffer.alloc(0) })
    try {
      handler(stream, this.hooks.context())
    } catch {
      stream.destroy(new TunnelError(TunnelErrorCode.STREAM_CLOSED, `the "${service}" handler failed`))
    }
  }

  private onConnected (msg: RelayMessage): void {
    if (this.unconfirmed.delete(msg.streamId)) return
    const p = this.opening.get(msg.streamId)
    if (p === undefined) { this.hooks.onDrop('unexpected-connected'); return }
    this.opening.delete(msg.streamId)
    this.streams.set(msg.streamId, p.stream)
    p.resolve(p.stream)
  }

  private onEnd (msg: RelayMessage): void {
    let reason: EndReason
    try { reason = decodeReason(msg.data) } catch { reason = END_REASON.protocol }
    const p = this.opening.get(msg.streamId)
    if (p !== undefined) {
      this.opening.delete(msg.streamId)
      p.reject(streamClosedError(reason, p.service))
      return
    }
    // An optimistic stream's BEGIN refused: the stream fails (even "done" before CONNECTED is no open stream).
    if (this.unconfirmed.delete(msg.streamId)) {
      this.streams.get(msg.streamId)?.onEnd(reason === END_REASON.done ? END_REASON.refused : reason)
      return
    }
    this.streams.get(msg.streamId)?.onEnd(reason)
  }

  private onRequest (msg: RelayMessage): void {
    let req
    try { req = decodeRequest(msg.data) } catch { this.hooks.onDrop('malformed'); return }
    const handler = this.hooks.requestHandler(req.name)
    const reply = (name: string, payload: Buffer): void => {
      if (this.closed) return
      this.link.send({ command: RelayCommand.response, streamId: 0, data: encodeRequest({ requestId: req.requestId, name, payload }) })
    }
    if (handler === undefined) { reply(TunnelErrorCode.NO_SUCH_SERVICE, Buffer.from(`no handler "${req.name}" at this hop`)); return }
    if (this.handling >= MAX_REQUESTS_IN_FLIGHT) { reply(TunnelErrorCode.LIMIT, Buffer.from('too many requests in flight on this circuit')); return }
    this.handling++
    handler(req.payload, this.hooks.context()).then(
      (out) => {
        if (out.length > MAX_REQUEST_BYTES) reply(TunnelErrorCode.LIMIT, Buffer.from(`the answer to "${req.name}" is over ${MAX_REQUEST_BYTES} bytes`))
        else reply('', out)
      },
      (err: Error) => {
        const raw = (err as { code?: unknown }).code
        const code = typeof raw === 'string' ? raw.slice(0, 32) : TunnelErrorCode.INVALID_ARGUMENT
        reply(/^[\x21-\x7e]*$/.test(code) ? code : TunnelErrorCode.INVALID_ARGUMENT, Buffer.from(err.message.slice(0, 400)))
      }
    ).catch(() => {}).finally(() => { this.handling-- })
  }

  private onResponse (msg: RelayMessage): void {
    let res
    try { res = decodeRequest(msg.data) } catch { this.hooks.onDrop('malformed'); return }
    const p = this.requests.get(res.requestId)
    if (p === undefined) { this.hooks.onDrop('unexpected-response'); return }
    this.requests.delete(res.requestId)
    clearTimeout(p.timer)
    if (res.name === '') p.resolve(res.payload)
    else p.reject(new TunnelError(remoteCode(res.name), `the hop answered ${res.name}: ${res.payload.toString('utf8')}`))
  }

  private onNotifyMsg (msg: RelayMessage): void {
    let n
    try { n = decodeRequest(msg.data) } catch { this.hooks.onDrop('malformed'); return }
    if (this.hooks.onNotify === undefined) { this.hooks.onDrop('unexpected-notify'); return }
    this.hooks.onNotify(n.name, n.payload)
  }

  // Outgoing ----------------------------------------------------------------

  /**
   * BEGIN to `service`. `optimistic` (Tor's optimistic data): the stream is
   * returned at once and what the caller writes follows BEGIN in the same
   * cell order, without waiting a round trip for CONNECTED; a refused BEGIN
   * then fails the stream (an 'error' with the END reason) instead of this call.
   */
  async openStream (service: string, signal?: AbortSignal, optimistic = false): Promise<Duplex> {
    if (this.closed) throw circuitClosedError(this.closedReason ?? END_REASON.done)
    if (this.streams.size + this.opening.size >= MAX_STREAMS_PER_CIRCUIT) {
      throw new TunnelError(TunnelErrorCode.LIMIT, `a circuit carries at most ${MAX_STREAMS_PER_CIRCUIT} streams: build another`)
    }
    const data = encodeBegin(service)
    const id = this.allocateStreamId()
    const stream = new CircuitStream(id, service, this)
    if (optimistic) {
      signal?.throwIfAborted()
      this.streams.set(id, stream)
      this.unconfirmed.set(id, service)
      this.link.send({ command: RelayCommand.begin, streamId: id, data })
      return stream
    }
    return await new Promise<Duplex>((resolve, reject) => {
      const onAbort = (): void => {
        if (!this.opening.has(id)) return
        this.opening.delete(id)
        this.sendEnd(id, END_REASON.done)
        reject(new TunnelError(TunnelErrorCode.TIMEOUT, `opening a stream to "${service}" was aborted`))
      }
      signal?.addEventListener('abort', onAbort, { once: true })
      this.opening.set(id, {
        service,
        stream,
        resolve: (s) => { signal?.removeEventListener('abort', onAbort); resolve(s) },
        reject: (e) => { signal?.removeEventListener('abort', onAbort); reject(e) }
      })
      this.link.send({ command: RelayCommand.begin, streamId: id, data })
      if (signal?.aborted === true) onAbort()
    })
  }

  /**
   * A stream both ends open by agreement, with no BEGIN/CONNECTED (0-RTT hidden-service
   * connections: the service answers a request the introduction carried on the client's
   * first stream id as soon as the circuits join). The id must be free.
   */
  adoptStream (id: number, service: string): Duplex {
    if (this.closed) throw circuitClosedError(this.closedReason ?? END_REASON.done)
    if (!Number.isInteger(id) || id <= 0 || id > 0xffff || this.streams.has(id) || this.opening.has(id)) {
      throw new TunnelError(TunnelErrorCode.INVALID_ARGUMENT, `stream id ${id} cannot be adopted (in use or out of range)`)
    }
    if (this.streams.size + this.opening.size >= MAX_STREAMS_PER_CIRCUIT) {
      throw new TunnelError(TunnelErrorCode.LIMIT, `a circuit carries at most ${MAX_STREAMS_PER_CIRCUIT} streams: build another`)
    }
    const stream = new CircuitStream(id, service, this)
    this.streams.set(id, stream)
    return stream
  }

  private allocateStreamId (): number {
    for (let tries = 0; tries < 0x8000; tries++) {
      const id = this.nextStream
      this.nextStream = this.nextStream + 2 > 0xffff ? this.nextStream % 2 === 1 ? 1 : 2 : this.nextStream + 2
      if (!this.streams.has(id) && !this.opening.has(id)) return id
    }
    throw new TunnelError(TunnelErrorCode.LIMIT, 'no free stream id on this circuit')
  }

  async request (name: string, payload: Buffer, opts: { signal?: AbortSignal, timeoutMs?: number } = {}): Promise<Buffer> {
    if (this.closed) throw circuitClosedError(this.closedReason ?? END_REASON.done)
    if (this.requests.size >= MAX_REQUESTS_IN_FLIGHT) throw new TunnelError(TunnelErrorCode.LIMIT, `at most ${MAX_REQUESTS_IN_FLIGHT} requests in flight per circuit: wait for answers`)
    const requestId = this.nextRequest
    this.nextRequest = this.nextRequest >= 0xffffffff ? 1 : this.nextRequest + 1
    const data = encodeRequest({ requestId, name, payload })
    const timeoutMs = opts.timeoutMs ?? DEFAULT_REQUEST_TIMEOUT_MS
    return await new Promise<Buffer>((resolve, reject) => {
      const done = (): void => { opts.signal?.removeEventListener('abort', onAbort) }
      const onAbort = (): void => { fail(new TunnelError(TunnelErrorCode.TIMEOUT, `request "${name}" aborted`)) }
      const fail = (e: Error): void => {
        const p = this.requests.get(requestId)
        if (p === undefined) return
        this.requests.delete(requestId)
        clearTimeout(p.timer)
        done()
        reject(e)
      }
      const timer = setTimeout(() => { fail(new TunnelError(TunnelErrorCode.TIMEOUT, `request "${name}" got no answer in ${timeoutMs} ms: the circuit may be broken, build another`)) }, timeoutMs)
      this.requests.set(requestId, { resolve: (b) => { done(); resolve(b) }, reject: (e) => { done(); reject(e) }, timer })
      opts.signal?.addEventListener('abort', onAbort, { once: true })
      this.link.send({ command: RelayCommand.request, streamId: 0, data })
      if (opts.signal?.aborted === true) onAbort()
    })
  }

  notify (name: string, payload: Buffer): void {
    if (this.closed) return
    this.link.send({ command: RelayCommand.notify, streamId: 0, data: encodeRequest({ requestId: 0, name, payload }) })
  }

  // StreamCarrier ------------------------------------------------------------

  async ready (): Promise<void> {
    for (;;) {
      if (this.closed) throw circuitClosedError(this.closedReason ?? END_REASON.done)
      if (!this.window.canSend) { await this.window.ready(); continue }
      await this.link.writable()
      if (this.closed) throw circuitClosedError(this.closedReason ?? END_REASON.done)
      if (this.window.canSend) return
    }
  }

  canSend (): boolean { return !this.closed && this.window.canSend }

  canSendNow (): boolean { return !this.closed && this.window.canSend && this.link.writableNow() }

  sendData (streamId: number, data: Buffer): void {
    if (this.closed) return
    this.window.sent()
    this.bytesOut += data.length
    this.link.send({ command: RelayCommand.data, streamId, data })
  }

  sendEnd (streamId: number, reason: EndReason): void {
    if (this.closed) return
    this.link.send({ command: RelayCommand.end, streamId, data: encodeReason(reason) })
  }

  sendSendme (streamId: number): void {
    if (this.closed) return
    this.link.send({ command: RelayCommand.sendme, streamId, data: encodeSendme(STREAM_SENDME) })
  }

  forget (streamId: number): void {
    this.streams.delete(streamId)
    this.unconfirmed.delete(streamId)
  }

  /** The circuit closed: every stream and request fails with the reason. */
  close (reason: EndReason): void {
    if (this.closed) return
    this.closedReason = reason
    this.window.release()
    for (const s of [...this.streams.values()]) s.onCircuitClosed(reason)
    this.streams.clear()
    this.unconfirmed.clear()
    for (const p of [...this.opening.values()]) p.reject(circuitClosedError(reason))
    this.opening.clear()
    for (const p of [...this.requests.values()]) { clearTimeout(p.timer); p.reject(circuitClosedError(reason)) }
    this.requests.clear()
  }
}

const KNOWN_CODES = new Set<string>(Object.values(TunnelErrorCode))

/** A remote error code becomes ours when we know it; anything else is reported as a closed stream. */
function remoteCode (name: string): typeof TunnelErrorCode[keyof typeof TunnelErrorCode] {
  return KNOWN_CODES.has(name) ? name as typeof TunnelErrorCode[keyof typeof TunnelErrorCode] : TunnelErrorCode.STREAM_CLOSED
}
