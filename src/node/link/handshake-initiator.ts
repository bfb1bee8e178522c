import type { CookieReply, IkResp, Refuse, XxResp } from '../wire/link-packets.js'
import { IK_INIT_OVERHEAD, RefuseReason, XX_FIN_OVERHEAD } from '../wire/link-packets.js'
import { nodeIdOf } from '../identity/identity.js'
import { errorFromRefuse, LinkError, LinkErrorCode } from './errors.js'
import { InitiatorHandshake, INITIATOR_ACCEPTS, type Pattern } from './handshake.js'
import type { HandshakePort } from './handshake-port.js'
import { sameEndpoint, type Session } from './session.js'
import type { PeerAddress } from './types.js'
import type { Endpoint } from '../types.js'

/**
 * Drives our outgoing handshakes: builds the init (with the session's first
 * queued frames as 0-RTT data when the responder key is known), retransmits
 * it with exponential backoff until the deadline, echoes a cookie when the
 * responder demands one (only a COOKIE from the responder's endpoint counts,
 * a bounded number of times), and turns REFUSE packets into errors for the caller.
 * After an XX handshake it also repeats XX_FIN until the responder's first
 * packet confirms the session (XX_FIN is the responder's only way to learn it).
 * An IK attempt refused BUSY (the responder has no room to remember 0-RTT
 * inits) falls back to XX once; the 0-RTT frames then ride in XX_FIN.
 */
interface Attempt {
  session: Session
  address: PeerAddress
  hs?: InitiatorHandshake
  pattern: Pattern
  /** The frames sealed into IK_INIT (0-RTT), kept to resend in XX_FIN after a fallback. */
  early: Buffer
  fellBack: boolean
  cookie: Buffer
  /** Inits re-sent because a COOKIE asked (bounded by limits.maxCookieResends, across an XX fallback too). */
  cookieResends: number
  init?: Buffer
  fin?: Buffer
  timer?: NodeJS.Timeout
  deadline: number
  retryMs: number
  firstSentAt: number
  retransmitted: boolean
}

export class HandshakeInitiator {
  private readonly attempts = new Map<number, Attempt>()

  constructor (private readonly core: HandshakePort) {}

  get pending (): number { return this.attempts.size }

  /** Starts the handshake for a new 'handshaking' session on the next microtask, after the caller queued its first frames. */
  start (session: Session, address: PeerAddress): void {
    const l = this.core.opts.limits
    const a: Attempt = {
      session, address, pattern: address.publicKey !== undefined ? 'ik' : 'xx', early: Buffer.alloc(0), fellBack: false, cookie: Buffer.alloc(0), cookieResends: 0, deadline: this.core.now() + l.handshakeTimeoutMs, retryMs: l.handshakeRetryMs, firstSentAt: 0, retransmitted: false
    }
    this.attempts.set(session.localIndex, a)
    this.core.stats.handshakesStarted++
    queueMicrotask(() => this.begin(a))
  }

  private begin (a: Attempt): void {
    if (this.attempts.get(a.session.localIndex) !== a || a.session.state !== 'handshaking') return
    const o = this.core.opts
    const ik = a.pattern === 'ik'
    const pub = a.address.publicKey
    try {
      if (ik) a.early = a.session.takeEarly(o.mtu - IK_INIT_OVERHEAD)
      a.hs = new InitiatorHandshake(this.core.keys, {
        pattern: a.pattern,
        localIndex: a.session.localIndex,
        remotePublicKey: ik ? pub : undefined,
        expectedId: a.address.id ?? (pub === undefined ? undefined : nodeIdOf(pub)),
        minRank: o.minRank,
        frames: ik ? a.early : undefined,
        datagramSize: o.mtu,
        now: this.core.now
      })
      a.init = a.hs.initPacket(a.cookie)
    } catch (err) {
      this.fail(a, err instanceof LinkError ? err : new LinkError(LinkErrorCode.BAD_ARGUMENT, String(err)))
      return
    }
    a.firstSentAt = this.core.now()
    this.core.send(a.init, a.session.endpoint, undefined, 'handshake')
    this.arm(a)
  }

  private arm (a: Attempt): void {
    if (a.timer !== undefined) clearTimeout(a.timer)
    a.timer = setTimeout(() => this.onTimer(a), a.retryMs)
  }

  private onTimer (a: Attempt): void {
    a.timer = undefined
    if (this.attempts.get(a.session.localIndex) !== a) return
    if (this.core.now() >= a.deadline) {
      if (a.fin !== undefined) { this.attempts.delete(a.session.localIndex); return } // session open; data retries will tell
      this.fail(a, new LinkError(LinkErrorCode.HANDSHAKE_TIMEOUT, `no handshake answer from ${a.session.endpoint.address}:${a.session.endpoint.port} within ${this.core.opts.limits.handshakeTimeoutMs} ms`))
      return
    }
    a.retransmitted = true
    const bytes = a.fin ?? a.init
    if (bytes !== undefined) this.core.send(bytes, a.session.endpoint, a.session.peerHex, 'handshake')
    a.retryMs = Math.min(a.retryMs * 2, 2000)
    this.arm(a)
  }

  /**
   * A COOKIE is unauthenticated and names the handshake only by our index, so
   * it counts only from the endpoint the init went to (anyone else could make
   * us send 1200-byte inits toward the responder: a reflection), and each
   * handshake re-sends for a cookie at most limits.maxCookieResends times (a
   * responder, or an on-path forger, answering every init with a fresh cookie
   * would otherwise keep an init/COOKIE ping-pong going, re-arming the timer
   * so that even the deadline never came). A cookie we already echo draws
   * nothing: it answered a retransmission, and the timer covers loss.
   */
  onCookie (p: CookieReply, from: Endpoint): boolean {
    const a = this.attempts.get(p.receiverIndex)
    if (a?.hs === undefined || a.fin !== undefined || !INITIATOR_ACCEPTS[a.hs.state].includes(p.type)) return false
    if (!sameEndpoint(from, a.session.endpoint)) { this.core.drop('cookie-wrong-source'); return true }
    if (a.cookie.equals(p.cookie)) { this.core.drop('cookie-repeat'); return true }
    if (a.cookieResends >= this.core.opts.limits.maxCookieResends) { this.core.drop('cookie-limit'); return true }
    a.cookieResends++
    a.cookie = Buffer.from(p.cookie)
    a.init = a.hs.initPacket(a.cookie)
    this.core.send(a.init, a.session.endpoint, undefined, 'handshake')
    this.arm(a)
    return true
  }

  onResponse (p: IkResp | XxResp): boolean {
    const a = this.attempts.get(p.receiverIndex)
    if (a?.hs === undefined || !INITIATOR_ACCEPTS[a.hs.state].includes(p.type)) return false
    const step = a.hs.pattern === 'xx'
      ? a.hs.onResponse(p, () => this.finFrames(a))
      : a.hs.onResponse(p)
    if (step.kind === 'ignored') { this.core.drop('handshake-invalid'); return true }
    if (step.kind === 'failed') {
      if (step.send !== undefined) this.core.send(step.send, a.session.endpoint, undefined, 'handshake')
      this.fail(a, step.error)
      return true
    }
    const { outcome } = step
    this.core.stats.handshakesCompleted++
    if (!a.retransmitted) a.session.rttSample(this.core.now() - a.firstSentAt)
    if (step.send !== undefined) {
      // XX: keep repeating XX_FIN until the responder's first packet confirms.
      a.fin = step.send
      a.retryMs = this.core.opts.limits.handshakeRetryMs
      a.deadline = this.core.now() + this.core.opts.limits.handshakeTimeoutMs
      this.core.send(a.fin, a.session.endpoint, outcome.peer.id.toString('hex'), 'handshake')
      this.arm(a)
    } else {
      this.forget(a.session.localIndex)
    }
    this.core.sessionEstablished(a.session, outcome)
    if (a.session.state !== 'open') return true
    if (outcome.frames.length > 0) a.session.deliver(outcome.frames)
    if (outcome.pattern === 'ik') a.session.ping() // confirms the session and our address to the responder
    return true
  }

  onRefuse (p: Refuse): boolean {
    const a = this.attempts.get(p.receiverIndex)
    if (a === undefined || a.fin !== undefined) return false
    if (a.pattern === 'ik' && !a.fellBack && p.reason === RefuseReason.BUSY) { this.fallBackToXx(a); return true }
    this.fail(a, errorFromRefuse(p.reason, p.text))
    return true
  }

  /** Starts over with XX (fresh ephemeral, no cookie, a fresh deadline); only once per attempt. */
  private fallBackToXx (a: Attempt): void {
    if (a.timer !== undefined) { clearTimeout(a.timer); a.timer = undefined }
    a.hs?.abandon()
    a.hs = undefined
    a.pattern = 'xx'
    a.fellBack = true
    a.cookie = Buffer.alloc(0)
    a.retryMs = this.core.opts.limits.handshakeRetryMs
    a.deadline = this.core.now() + this.core.opts.limits.handshakeTimeoutMs
    a.retransmitted = true // the RTT of this exchange includes the refusal
    this.core.stats.handshakeFallbacks++
    this.begin(a)
  }

  /** XX_FIN's frames: the 0-RTT frames of an IK attempt that fell back, then whatever else fits. */
  private finFrames (a: Attempt): Buffer {
    const room = this.core.opts.mtu - XX_FIN_OVERHEAD - a.early.length
    const rest = a.session.takeEarly(Math.max(0, room))
    const frames = a.early.length === 0 ? rest : Buffer.concat([a.early, rest])
    a.early = Buffer.alloc(0)
    return frames
  }

  /** The responder's first DATA packet arrived: XX_FIN need not be repeated. */
  confirmed (session: Session): void {
    const a = this.attempts.get(session.localIndex)
    if (a?.fin !== undefined) this.forget(session.localIndex)
  }

  forget (localIndex: number): void {
    const a = this.attempts.get(localIndex)
    if (a === undefined) return
    if (a.timer !== undefined) clearTimeout(a.timer)
    a.hs?.abandon()
    this.attempts.delete(localIndex)
  }

  private fail (a: Attempt, error: LinkError): void {
    this.forget(a.session.localIndex)
    this.core.stats.handshakesFailed++
    this.core.peerError(a.session.endpoint, error, 'outbound')
    a.session.close(error, false, false)
  }
}
