import { isTornetError } from '../errors.js'
import { detachedCopy } from '../wire/detached.js'
import { type ChannelFrame, type ErrorFrame, FrameType, type RequestFrame, type ResponseFrame } from '../wire/channel-frames.js'
import { LinkErrorCode } from './errors.js'
import { type FragmentAssembler, fragment } from './fragment-assembler.js'

/**
 * The answering side of request/response on one session: reassembles REQUEST
 * fragments, runs the service handler at most once per reqId, sends the
 * answer (RESPONSE fragments or ERROR), and keeps recent answers for a while
 * so that a retransmitted request is answered again without re-running the
 * handler. At most `maxConcurrent` handlers run per session; beyond that the
 * peer gets a LINK_BUSY error and retries later.
 */
export interface RequestServerHost {
  send: (frames: ChannelFrame[], kind: string) => void
  /** Runs the service; throws TornetError(LINK_UNKNOWN_SERVICE) for an unregistered one. */
  handle: (service: string, payload: Buffer, signal: AbortSignal) => Promise<Uint8Array>
  responseRoom: () => number
  requests: FragmentAssembler
  now: () => number
}

export interface RequestServerLimits {
  maxConcurrent: number
  maxPayload: number
  answerCacheSize: number
  /** Bytes of cached answers per session. */
  answerCacheBytes: number
  answerTtlMs: number
  /** A cached answer is sent again at most once per this interval... */
  answerResendMs: number
  /** ...and all re-sends of a session together at most this many bytes per second (token bucket, 1 s burst). */
  answerResendBytesPerSec: number
}

interface Answer { frames: ChannelFrame[], service: string, expires: number, bytes: number, sentAt: number }

/** What a re-send costs at least (an ERROR answer carries no RESPONSE data but is not free). */
const MIN_RESEND_COST = 64

export class RequestServer {
  private readonly running = new Map<number, AbortController>()
  private readonly answers = new Map<number, Answer>()
  private answerBytes = 0
  private resendTokens: number
  private resendRefilledAt: number

  constructor (private readonly host: RequestServerHost, private readonly limits: RequestServerLimits) {
    this.resendTokens = limits.answerResendBytesPerSec
    this.resendRefilledAt = host.now()
  }

  /** Feeds one REQUEST fragment; returns the handler's completion when this fragment started one. */
  onRequest (f: RequestFrame): Promise<void> | undefined {
    const cached = this.answers.get(f.reqId)
    if (cached !== undefined) {
      // A retransmitted request is answered again, but a ~15-byte duplicate must not buy
      // a 64 KiB answer every time: re-sends are rate-limited (the client retries later).
      if (f.fragIndex === 0 && this.mayResend(cached)) this.host.send(cached.frames, cached.service)
      return undefined
    }
    if (this.running.has(f.reqId)) return undefined
    const r = this.host.requests.add(f.reqId, f.fragIndex, f.fragCount, f.data, this.host.now())
    if (!r.done) {
      // Out of reassembly room: drop the fragment silently, the sender's retransmission comes back later.
      if (r.refused === 'too-large') this.answer(f.reqId, f.service, errorFrames(f.reqId, LinkErrorCode.TOO_LARGE, 'request exceeds the size limit'))
      return undefined
    }
    if (this.running.size >= this.limits.maxConcurrent) {
      this.host.send(errorFrames(f.reqId, LinkErrorCode.BUSY, 'too many requests in progress; retry later'), f.service)
      return undefined
    }
    return this.run(f.reqId, f.service, r.payload)
  }

  private async run (reqId: number, service: string, payload: Buffer): Promise<void> {
    const ac = new AbortController()
    this.running.set(reqId, ac)
    let frames: ChannelFrame[]
    try {
      // A copy of its own: the answer is cached for answerTtlMs, and a small Buffer from Node's
      // allocation pool would pin the whole 8 KiB slab meanwhile (issue 21's soak found 1,487
      // cached answers holding 11.6 MiB).
      const out = detachedCopy(await this.host.handle(service, payload, ac.signal))
      if (out.length > this.limits.maxPayload) {
        frames = errorFrames(reqId, LinkErrorCode.TOO_LARGE, `response of ${out.length} bytes exceeds ${this.limits.maxPayload}`)
      } else {
        const parts = fragment(out, this.host.responseRoom())
        frames = parts.map((data, i): ResponseFrame => ({ type: FrameType.RESPONSE, reqId, fragIndex: i, fragCount: parts.length, data }))
      }
    } catch (err) {
      frames = isTornetError(err)
        ? errorFrames(reqId, err.code, err.message)
        : errorFrames(reqId, LinkErrorCode.HANDLER_FAILED, `service "${service}" failed: ${err instanceof Error ? err.message : String(err)}`)
    }
    if (this.running.get(reqId) !== ac) return // session closed meanwhile
    this.running.delete(reqId)
    if (ac.signal.aborted) return
    this.answer(reqId, service, frames)
  }

  private answer (reqId: number, service: string, frames: ChannelFrame[]): void {
    let bytes = 0
    for (const f of frames) if (f.type === FrameType.RESPONSE) bytes += f.data.length
    const now = this.host.now()
    this.answers.set(reqId, { frames, service, expires: now + this.limits.answerTtlMs, bytes, sentAt: now })
    this.answerBytes += bytes
    while (this.answers.size > this.limits.answerCacheSize || (this.answerBytes > this.limits.answerCacheBytes && this.answers.size > 1)) {
      this.forget(this.answers.keys().next().value as number)
    }
    this.host.send(frames, service)
  }

  private mayResend (a: Answer): boolean {
    const now = this.host.now()
    if (now - a.sentAt < this.limits.answerResendMs) return false
    const rate = this.limits.answerResendBytesPerSec
    this.resendTokens = Math.min(rate, this.resendTokens + Math.max(0, now - this.resendRefilledAt) * rate / 1000)
    this.resendRefilledAt = now
    const cost = Math.max(a.bytes, MIN_RESEND_COST)
    if (cost > this.resendTokens) return false
    this.resendTokens -= cost
    a.sentAt = now
    return true
  }

  sweep (now: number): void {
    for (const [id, a] of this.answers) {
      if (a.expires > now) break // insertion order = expiry order
      this.forget(id)
    }
  }

  private forget (reqId: number): void {
    const a = this.answers.get(reqId)
    if (a === undefined) return
    this.answerBytes -= a.bytes
    this.answers.delete(reqId)
  }

  abortAll (): void {
    for (const ac of this.running.values()) ac.abort()
    this.running.clear()
    this.answers.clear()
    this.answerBytes = 0
  }
}

function errorFrames (reqId: number, code: string, text: string): ErrorFrame[] {
  return [{ type: FrameType.ERROR, reqId, code: code.slice(0, 64) === '' ? LinkErrorCode.HANDLER_FAILED : code.slice(0, 64), text }]
}
