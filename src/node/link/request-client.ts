import { type ChannelFrame, type ErrorFrame, FrameType, type RequestFrame, type ResponseFrame } from '../wire/channel-frames.js'
import { LinkError, LinkErrorCode } from './errors.js'
import { type FragmentAssembler, fragment } from './fragment-assembler.js'
import { onSharedAbort } from './shared-abort.js'

/**
 * The asking side of request/response on one session. A request is split
 * into REQUEST fragments and sent; until its response arrives it is resent
 * (whole, same reqId) every timeout/(retries+1) ms, and it fails with
 * LINK_TIMEOUT at the deadline. The responder remembers recent answers, so a
 * retransmission is never executed twice. A LINK_BUSY answer only fails the
 * request once no retransmission is left.
 */
export interface RequestClientHost {
  /** Sends frames now if the session can, or queues them. */
  send: (frames: ChannelFrame[], kind: string) => void
  /** True once the session is open (retransmissions before that are pointless). */
  isOpen: () => boolean
  /** Data bytes of one REQUEST fragment for this service. */
  requestRoom: (service: string) => number
  responses: FragmentAssembler
  now: () => number
}

export interface ClientRequestOptions { timeoutMs: number, retries: number, signal?: AbortSignal }

interface Pending {
  service: string
  frames: RequestFrame[]
  resolve: (b: Buffer) => void
  reject: (e: Error) => void
  deadline: NodeJS.Timeout
  retry?: NodeJS.Timeout
  retriesLeft: number
  interval: number
  sentAt: number
  retransmitted: boolean
  /** Unregisters the abort callback (one listener per signal for all requests sharing it). */
  offAbort?: () => void
}

export class RequestClient {
  private nextId = 1
  private readonly pending = new Map<number, Pending>()
  /** Called with a sample when a response answers a request that was never retransmitted. */
  onRttSample?: (ms: number) => void

  constructor (private readonly host: RequestClientHost, private readonly maxInFlight: number, private readonly maxPayload: number) {}

  get inFlight (): number { return this.pending.size }

  serviceOf (reqId: number): string | undefined { return this.pending.get(reqId)?.service }

  /** Starts a request (its frames go to `host.send`, which may queue them for a handshake's 0-RTT data). */
  request (service: string, payload: Buffer, opts: ClientRequestOptions): Promise<Buffer> {
    if (payload.length > this.maxPayload) {
      return Promise.reject(new LinkError(LinkErrorCode.TOO_LARGE, `request of ${payload.length} bytes exceeds ${this.maxPayload}`))
    }
    if (this.pending.size >= this.maxInFlight) {
      return Promise.reject(new LinkError(LinkErrorCode.TOO_MANY_REQUESTS, `${this.pending.size} requests already in flight to this peer`))
    }
    if (opts.signal?.aborted === true) return Promise.reject(aborted())
    const reqId = this.nextId
    this.nextId = this.nextId >= 0xffffffff ? 1 : this.nextId + 1
    const parts = fragment(payload, this.host.requestRoom(service))
    const frames: RequestFrame[] = parts.map((data, i) => ({ type: FrameType.REQUEST, reqId, fragIndex: i, fragCount: parts.length, service, data }))
    return new Promise<Buffer>((resolve, reject) => {
      const interval = Math.max(1, Math.floor(opts.timeoutMs / (opts.retries + 1)))
      const p: Pending = {
        service,
        frames,
        resolve,
        reject,
        retriesLeft: opts.retries,
        interval,
        sentAt: this.host.now(),
        retransmitted: false,
        deadline: setTimeout(() => this.finish(reqId, new LinkError(LinkErrorCode.TIMEOUT, `request to service "${service}" timed out after ${opts.timeoutMs} ms`)), opts.timeoutMs)
      }
      if (opts.signal !== undefined) p.offAbort = onSharedAbort(opts.signal, () => this.finish(reqId, aborted()))
      this.pending.set(reqId, p)
      this.armRetry(reqId, p)
      this.host.send(frames, service)
    })
  }

  onResponse (f: ResponseFrame): void {
    const p = this.pending.get(f.reqId)
    if (p === undefined) return
    const r = this.host.responses.add(f.reqId, f.fragIndex, f.fragCount, f.data, this.host.now())
    if (!r.done) {
      if (r.refused === 'too-large') this.finish(f.reqId, new LinkError(LinkErrorCode.TOO_LARGE, 'response exceeds the size limit'))
      return
    }
    if (!p.retransmitted) this.onRttSample?.(this.host.now() - p.sentAt)
    this.finish(f.reqId, undefined, r.payload)
  }

  onError (f: ErrorFrame): void {
    const p = this.pending.get(f.reqId)
    if (p === undefined) return
    // A busy peer asks us to come back: the next retransmission does, while retries last.
    if (f.code === LinkErrorCode.BUSY && p.retriesLeft > 0 && p.retry !== undefined) return
    this.finish(f.reqId, new LinkError(f.code, f.text === '' ? f.code : f.text))
  }

  failAll (err: Error): void {
    for (const id of [...this.pending.keys()]) this.finish(id, err)
  }

  private armRetry (reqId: number, p: Pending): void {
    if (p.retriesLeft <= 0) return
    p.retry = setTimeout(() => {
      p.retry = undefined
      if (this.pending.get(reqId) !== p) return
      if (this.host.isOpen()) {
        p.retriesLeft--
        p.retransmitted = true
        this.host.send(p.frames, p.service)
      }
      this.armRetry(reqId, p)
    }, p.interval)
  }

  private finish (reqId: number, err: Error | undefined, payload?: Buffer): void {
    const p = this.pending.get(reqId)
    if (p === undefined) return
    this.pending.delete(reqId)
    this.host.responses.drop(reqId)
    clearTimeout(p.deadline)
    if (p.retry !== undefined) clearTimeout(p.retry)
    p.offAbort?.()
    if (err !== undefined) p.reject(err)
    else p.resolve(payload as Buffer)
  }
}

function aborted (): LinkError {
  return new LinkError(LinkErrorCode.ABORTED, 'request aborted')
}
