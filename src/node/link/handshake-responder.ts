import type { Endpoint } from '../types.js'
import {
  COOKIE_BYTES, encodeLinkPacket, IK_RESP_OVERHEAD, type IkInit, PacketType, type Refuse, RefuseReason, type XxFin, type XxInit
} from '../wire/link-packets.js'
import { CookieJar } from './cookie-jar.js'
import { InitRateLimiter } from './init-rate-limiter.js'
import { hostOf } from './source-address.js'
import { errorFromRefuse, LinkError, LinkErrorCode } from './errors.js'
import { finishXx, refuseWith, respondToIkInit, respondToXxInit, type ResponderContext, type XxPending } from './handshake.js'
import type { HandshakePort } from './handshake-port.js'
import type { Session } from './session.js'

/**
 * Answers incoming handshakes without amplifying: every init is at least
 * 1200 bytes and every answer (IK_RESP, XX_RESP, COOKIE, REFUSE) is checked to
 * be no larger than the datagram it answers. An init from a source over its
 * rate (per address, per /24 or /48, or all together; see InitRateLimiter),
 * or under load, or always if so configured, gets only a 22-byte COOKIE and no
 * state. IK_INIT ephemerals of accepted handshakes are remembered for the
 * clock-skew window so a replayed 0-RTT request is never executed twice; a
 * repeated init (the initiator's retransmission) gets the stored answer again.
 * Only an init that authenticated is remembered, and one source address holds
 * a bounded share of that table: when it (or the table) is full the init is
 * refused BUSY and the initiator falls back to XX, which carries no replayable
 * data. XX responders hold a bounded, expiring table of half-open handshakes.
 */
interface RecentInit { expires: number, host: string, session?: Session }
interface HalfOpen { pending: XxPending, reply: Buffer, from: Endpoint, ephHex: string, expires: number }

export class HandshakeResponder {
  private readonly jar: CookieJar
  private readonly recentInits = new Map<string, RecentInit>()
  /** Entries of `recentInits` per source host (IPv4 address, IPv6 /64). */
  private readonly recentPerAddress = new Map<string, number>()
  private readonly rate: InitRateLimiter
  private readonly halfOpenByIndex = new Map<number, HalfOpen>()
  private readonly halfOpenByEph = new Map<string, HalfOpen>()

  constructor (private readonly core: HandshakePort) {
    this.jar = new CookieJar(core.now)
    const l = core.opts.limits
    this.rate = new InitRateLimiter({
      perAddress: l.initsPerAddressPerSecond,
      perNetwork: l.initsPerNetworkPerSecond,
      global: l.handshakeRateForCookies,
      provenPerAddress: l.provenInitsPerAddressPerSecond,
      maxTracked: l.maxRateTrackedSources
    })
  }

  get halfOpen (): number { return this.halfOpenByIndex.size }

  /** Remembered IK_INIT ephemerals (0-RTT replay protection). */
  get recentInitCount (): number { return this.recentInits.size }

  holdsIndex (i: number): boolean { return this.halfOpenByIndex.has(i) }

  /** The session no longer needs its init remembered for retransmissions (validated or closed). */
  release (session: Session): void {
    if (session.initEphemeralHex === undefined) return
    const e = this.recentInits.get(session.initEphemeralHex)
    if (e?.session === session) e.session = undefined
    session.initEphemeralHex = undefined
  }

  onIkInit (p: IkInit, from: Endpoint, size: number): void {
    const ephHex = p.ephemeral.toString('hex')
    const seen = this.recentInits.get(ephHex)
    if (seen !== undefined) {
      const reply = seen.session?.handshakeReply
      if (reply !== undefined && reply.length <= size && seen.session?.state === 'open') {
        this.core.send(reply, from, seen.session.peerHex, 'handshake')
      } else {
        this.core.drop('replayed-init')
      }
      return
    }
    if (!this.admit(p, from, size)) return
    const localIndex = this.core.allocIndex()
    const step = respondToIkInit(this.core.keys, p, this.ctx(localIndex))
    if (step.kind === 'ignored') { this.core.drop('handshake-invalid'); return }
    // A refused init (not sealed to us, bad signature, low rank, stale) creates nothing and
    // is not remembered: replayed, it is refused again, and a flood of them fills no table.
    if (step.kind === 'refused') {
      this.core.stats.handshakesRefused++
      this.sendLimited(step.send, from, size)
      this.core.peerError(from, step.error, 'inbound', step.peer)
      return
    }
    const l = this.core.opts.limits
    if (this.recentInits.size >= l.maxRecentInits || (this.recentPerAddress.get(hostOf(from.address)) ?? 0) >= l.maxRecentInitsPerAddress) {
      // Without room to remember the ephemeral, a replay of this 0-RTT request could not be
      // recognised: refuse, and the initiator retries with XX (no 0-RTT data, no entry here).
      this.refuse(p.senderIndex, RefuseReason.BUSY, 'too many recent handshakes; retry with XX', from, size)
      return
    }
    const busy = this.core.admitSession(step.outcome.peer, from, false)
    if (busy !== undefined) { this.refuse(p.senderIndex, RefuseReason.BUSY, busy, from, size); return }
    this.remember(ephHex, hostOf(from.address))
    this.core.stats.handshakesAccepted++
    const session = this.core.createSession('responder', localIndex, from)
    this.core.sessionEstablished(session, step.outcome)
    const entry = this.recentInits.get(ephHex) as RecentInit
    entry.session = session
    session.initEphemeralHex = ephHex
    const started = session.deliver(step.outcome.frames) ?? []
    const respond = step.respond as (frames: Buffer) => Buffer
    const answer = (): void => {
      if (session.state !== 'open') return
      const reply = respond(session.takeEarly(size - IK_RESP_OVERHEAD))
      if (reply.length > size) { this.core.drop('reply-too-large'); return } // cannot happen: room is computed from `size`
      if (!session.validated) session.handshakeReply = reply
      this.core.send(reply, session.endpoint, session.peerHex, 'handshake')
    }
    if (started.length === 0) { answer(); return }
    // Hold the answer briefly so the 0-RTT request's response can ride in it.
    let done = false
    const once = (): void => { if (!done) { done = true; clearTimeout(t); answer() } }
    const t = setTimeout(once, this.core.opts.limits.responseHoldMs)
    void Promise.allSettled(started).then(() => setImmediate(once))
  }

  onXxInit (p: XxInit, from: Endpoint, size: number): void {
    const ephHex = p.ephemeral.toString('hex')
    const again = this.halfOpenByEph.get(ephHex)
    if (again !== undefined) {
      if (again.reply.length <= size) this.core.send(again.reply, from, undefined, 'handshake')
      return
    }
    if (!this.admit(p, from, size)) return
    if (this.halfOpenByIndex.size >= this.core.opts.limits.maxPendingHandshakes) {
      this.refuse(p.senderIndex, RefuseReason.BUSY, 'too many handshakes in progress; retry later', from, size)
      return
    }
    const localIndex = this.core.allocIndex()
    const r = respondToXxInit(this.core.keys, p, this.ctx(localIndex))
    if (r === undefined) { this.core.drop('handshake-invalid'); return }
    const h: HalfOpen = { pending: r.pending, reply: r.send, from, ephHex, expires: this.core.now() + this.core.opts.limits.handshakeTimeoutMs * 2 }
    this.halfOpenByIndex.set(localIndex, h)
    this.halfOpenByEph.set(ephHex, h)
    this.sendLimited(r.send, from, size)
  }

  onXxFin (p: XxFin, from: Endpoint): boolean {
    const h = this.halfOpenByIndex.get(p.receiverIndex)
    if (h === undefined) {
      // A repeated XX_FIN for a session we already opened: answer so the initiator stops repeating.
      const s = this.core.sessionByIndex(p.receiverIndex)
      if (s !== undefined && s.role === 'responder' && s.state === 'open') { s.ping(); return true }
      return false
    }
    const step = finishXx(this.core.keys, h.pending, p, this.ctx(p.receiverIndex))
    if (step.kind === 'ignored') { this.core.drop('handshake-invalid'); return true }
    this.forgetHalfOpen(h)
    if (step.kind === 'refused') {
      this.core.stats.handshakesRefused++
      this.core.send(step.send, from, undefined, 'handshake')
      this.core.peerError(from, step.error, 'inbound', step.peer)
      return true
    }
    const busy = this.core.admitSession(step.outcome.peer, from, true)
    if (busy !== undefined) {
      // XX_FIN proved the address, so the refusal may go back whatever its size.
      this.refuse(h.pending.remoteIndex, RefuseReason.BUSY, busy, from, Infinity)
      return true
    }
    this.core.stats.handshakesAccepted++
    const session = this.core.createSession('responder', p.receiverIndex, from)
    session.validated = true // XX_FIN proves the initiator received our XX_RESP at this address
    this.core.sessionEstablished(session, step.outcome)
    if (session.state !== 'open') return true
    session.ping() // confirms the session to the initiator
    if (step.outcome.frames.length > 0) session.deliver(step.outcome.frames)
    return true
  }

  /** A REFUSE is unauthenticated: honoured only from the address the handshake came from. */
  onRefuse (p: Refuse, from: Endpoint): boolean {
    const h = this.halfOpenByIndex.get(p.receiverIndex)
    if (h === undefined) return false
    if (from.address !== h.from.address || from.port !== h.from.port) { this.core.drop('refuse-wrong-source'); return true }
    this.forgetHalfOpen(h)
    this.core.peerError(h.from, errorFromRefuse(p.reason, p.text), 'inbound')
    return true
  }

  sweep (now: number): void {
    for (const [k, e] of this.recentInits) {
      if (e.expires > now) break // insertion order = expiry order
      this.recentInits.delete(k)
      const n = (this.recentPerAddress.get(e.host) ?? 1) - 1
      if (n > 0) this.recentPerAddress.set(e.host, n)
      else this.recentPerAddress.delete(e.host)
    }
    for (const h of this.halfOpenByIndex.values()) if (h.expires <= now) this.forgetHalfOpen(h)
  }

  private remember (ephHex: string, host: string): void {
    this.recentInits.set(ephHex, { expires: this.core.now() + 2 * this.core.opts.limits.maxClockSkewMs, host })
    this.recentPerAddress.set(host, (this.recentPerAddress.get(host) ?? 0) + 1)
  }

  /**
   * Counts the init against the rate limits; false when it was answered with a cookie
   * (over a rate, under load, or always) or dropped (its proven address is over its hard limit).
   */
  private admit (p: IkInit | XxInit, from: Endpoint, size: number): boolean {
    const now = this.core.now()
    const mode = this.core.opts.cookies
    const overRate = this.rate.note(from, now)
    if (mode === 'never') return true
    if (p.cookie.length > 0 && this.jar.check(p.cookie, from, p.ephemeral)) {
      if (!this.rate.noteProven(from, now)) return true
      this.core.drop('init-rate-limited')
      return false
    }
    const l = this.core.opts.limits
    if (mode === 'auto' && !overRate && this.halfOpenByIndex.size <= l.maxPendingHandshakes / 2) return true
    const reply = encodeLinkPacket({ type: PacketType.COOKIE, receiverIndex: p.senderIndex, cookie: this.jar.make(from, p.ephemeral) })
    this.core.stats.cookiesSent++
    this.sendLimited(reply, from, size)
    return false
  }

  private refuse (receiverIndex: number, reason: typeof RefuseReason[keyof typeof RefuseReason], text: string, to: Endpoint, size: number): void {
    this.core.stats.handshakesRefused++
    this.sendLimited(refuseWith(receiverIndex, reason, text), to, size)
    this.core.peerError(to, new LinkError(reason === RefuseReason.BUSY ? LinkErrorCode.BUSY : LinkErrorCode.PROTOCOL, text), 'inbound')
  }

  /** The anti-amplification rule: nothing larger than what came in goes back to an unvalidated address. */
  private sendLimited (reply: Buffer, to: Endpoint, size: number): void {
    if (reply.length > size) { this.core.drop('reply-too-large'); return }
    this.core.send(reply, to, undefined, 'handshake')
  }

  private forgetHalfOpen (h: HalfOpen): void {
    this.halfOpenByIndex.delete(h.pending.localIndex)
    this.halfOpenByEph.delete(h.ephHex)
  }

  private ctx (localIndex: number): ResponderContext {
    return { localIndex, minRank: this.core.opts.minRank, now: this.core.now, maxSkewMs: this.core.opts.limits.maxClockSkewMs }
  }
}

export const COOKIE_REPLY_BYTES = 2 + 4 + COOKIE_BYTES
