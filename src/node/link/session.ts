import type { Endpoint } from '../types.js'
import {
  type ChannelFrame, decodeFrames, encodeFrame, encodeFrames, FrameType, PATH_DATA_BYTES, RESPONSE_OVERHEAD, requestOverhead, STREAM_DATA_OVERHEAD
} from '../wire/channel-frames.js'
import { tryDecode } from '../wire/codec.js'
import { DATA_HEADER_BYTES, DATA_OVERHEAD, type DataPacket } from '../wire/link-packets.js'
import { LinkError, LinkErrorCode } from './errors.js'
import { FragmentAssembler } from './fragment-assembler.js'
import type { ReassemblyBudget, ReassemblyShare } from './reassembly-budget.js'
import type { HandshakeOutcome } from './handshake.js'
import { MtuSearch } from './mtu-search.js'
import { PathValidator } from './path-validator.js'
import { RequestClient } from './request-client.js'
import { RequestServer } from './request-server.js'
import { RecvCipher, type RekeyPolicy, SendCipher } from './session-cipher.js'
import { StreamMux } from './stream-mux.js'
import type { LinkStream, PeerInfo, StreamFactory } from './types.js'

/**
 * One encrypted session with one peer: its ciphers, the frames waiting to be
 * sent, and the three channel kinds (requests, streams, datagrams) on top.
 *
 * Lifecycle: 'handshaking' (frames queue; the first may ride in the
 * handshake) → 'open' → 'closed'. A responder's session is not "validated"
 * until a DATA packet from the initiator authenticates: before that it sends
 * nothing but the single handshake answer (which is no larger than the
 * initiator's padded packet), so a spoofed source cannot be flooded. Later,
 * an authenticated packet from a new address moves the session only once the
 * peer answers a path challenge there (path-validator.ts). The session ends on
 * an authenticated CLOSE frame (or locally), never on an unauthenticated REFUSE.
 */
export interface SessionLimits extends RekeyPolicy {
  maxPayload: number
  maxRequestsInFlight: number
  maxConcurrentHandlers: number
  maxPartialMessages: number
  reassemblyTimeoutMs: number
  maxChannels: number
  streamOpenRetryMs: number
  streamOpenTimeoutMs: number
  /** How long a closed stream still receives frames (see STREAM_LINGER_MS). */
  streamLingerMs: number
  answerCacheSize: number
  answerCacheBytes: number
  answerTtlMs: number
  answerResendMs: number
  answerResendBytesPerSec: number
  maxQueuedBytes: number
}

export interface SessionHost {
  now: () => number
  limits: SessionLimits
  budget: ReassemblyBudget
  streamFactory: StreamFactory
  /** Sends one datagram, possibly in pieces (scatter/gather). */
  transmit: (datagram: Buffer | readonly Buffer[], to: Endpoint, peerHex: string | undefined, kind: string) => void
  handleRequest: (session: Session, service: string, payload: Buffer, signal: AbortSignal) => Promise<Uint8Array>
  streamAcceptor: (session: Session, service: string) => ((stream: LinkStream) => void) | undefined
  onDatagram: (session: Session, service: string, payload: Buffer) => void
  onClosed: (session: Session, err: Error | undefined, byPeer: boolean) => void
  drop: (reason: string) => void
  onRekey: () => void
  /** The session is open and may send (validated): announce the peer. */
  onReady: (session: Session) => void
  /** The peer proved a new address (path challenge answered there); the session now sends to it. */
  onMigrated: (session: Session, from: Endpoint) => void
}

export type SessionState = 'handshaking' | 'open' | 'closed'

/** A probe unanswered for 3 RTTs (at least this long) is lost; the upkeep tick checks. */
const PROBE_TIMEOUT_MIN_MS = 100
/**
 * Black-hole detection (RFC 8899 confirmation probes): once this many
 * datagrams above the base size went out since the size was last confirmed,
 * and at least 8 RTTs (CONFIRM_MIN_MS) after it, a PING padded to the size in
 * use asks the path again; CONFIRM_ATTEMPTS of them unanswered and the
 * session falls back to the base size and searches anew. (Silence alone is no
 * sign: the small ACKs and probes of a stream still get through.)
 */
const CONFIRM_AFTER_DATAGRAMS = 3
const CONFIRM_MIN_MS = 1000
const CONFIRM_ATTEMPTS = 3

export class Session {
  state: SessionState = 'handshaking'
  peer?: PeerInfo
  remoteIndex = 0
  validated: boolean
  /** Datagram size used for new packets; raised when a probe proves the path carries more. */
  mtu: number
  lastRecv: number
  lastActivity: number
  lastPing = 0
  /** Responder (IK): the IK_RESP, resent if the init is repeated, until the path is validated. */
  handshakeReply?: Buffer
  /** Set once 'peer-connected' was emitted for this session. */
  announced = false
  /** XX initiator: open, but the responder has not confirmed yet (a REFUSE of our XX_FIN may still come). */
  awaitingConfirmation = false
  /** Initiator: the node id the caller expects at the endpoint (checked by the handshake). */
  expectedId?: Buffer
  /** Responder (IK): the initiator's ephemeral, the key of its replay-cache entry. */
  initEphemeralHex?: string
  readonly client: RequestClient
  readonly server: RequestServer
  readonly mux: StreamMux
  /** This session's draw on the link's reassembly budget, and the two assemblers using it. */
  private readonly reassembly: ReassemblyShare
  private readonly responses: FragmentAssembler
  private readonly requests: FragmentAssembler
  /** A new address the peer's packets came from, being challenged before the session moves there. */
  private readonly path: PathValidator
  private sendCipher?: SendCipher
  private recvCipher?: RecvCipher
  private queue: Array<{ plain: Buffer, kind: string }> = []
  private queuedBytes = 0
  private nextPing = 1
  private readonly pings = new Map<number, number>()
  /** The datagram-size search (only when probeMtu > the base), the probe in flight, and the black-hole count. */
  private readonly search?: MtuSearch
  private probe?: { id: number, size: number }
  private confirm?: { id: number, attempts: number, sentAt: number }
  private confirmedAt = 0
  private largeSinceConfirm = 0
  private readonly opened: Promise<void>
  private settleOpened!: (err?: Error) => void

  constructor (
    private readonly host: SessionHost,
    readonly role: 'initiator' | 'responder',
    readonly localIndex: number,
    public endpoint: Endpoint,
    private readonly baseMtu: number,
    probeMtu: number
  ) {
    this.validated = role === 'initiator'
    this.opened = new Promise<void>((resolve, reject) => { this.settleOpened = (err) => { if (err === undefined) resolve(); else reject(err) } })
    this.opened.catch(() => {})
    this.mtu = baseMtu
    if (probeMtu > baseMtu) this.search = new MtuSearch({ base: baseMtu, max: probeMtu })
    this.lastRecv = this.lastActivity = host.now()
    this.path = new PathValidator(host.now)
    const l = host.limits
    const assemblerLimits = { maxMessageBytes: l.maxPayload, maxMessages: l.maxPartialMessages, timeoutMs: l.reassemblyTimeoutMs }
    this.reassembly = host.budget.share()
    this.responses = new FragmentAssembler(assemblerLimits, this.reassembly)
    this.requests = new FragmentAssembler(assemblerLimits, this.reassembly)
    this.reassembly.attach(this.responses)
    this.reassembly.attach(this.requests)
    this.client = new RequestClient({
      send: (frames, kind) => this.sendFrames(frames, kind),
      isOpen: () => this.state === 'open',
      requestRoom: (service) => this.maxPlaintext - requestOverhead(Buffer.byteLength(service)),
      responses: this.responses,
      now: host.now
    }, l.maxRequestsInFlight, l.maxPayload)
    this.client.onRttSample = (ms) => this.rttSample(ms)
    this.server = new RequestServer({
      send: (frames, kind) => this.sendFrames(frames, kind),
      handle: (service, payload, signal) => host.handleRequest(this, service, payload, signal),
      responseRoom: () => this.maxPlaintext - RESPONSE_OVERHEAD,
      requests: this.requests,
      now: host.now
    }, { maxConcurrent: l.maxConcurrentHandlers, maxPayload: l.maxPayload, answerCacheSize: l.answerCacheSize, answerCacheBytes: l.answerCacheBytes, answerTtlMs: l.answerTtlMs,
      answerResendMs: l.answerResendMs, answerResendBytesPerSec: l.answerResendBytesPerSec })
    this.mux = new StreamMux({
      send: (frames, kind) => this.sendFrames(frames, kind),
      sendEncoded: (pieces, kind) => this.sendEncoded(pieces, kind),
      initiator: role === 'initiator',
      streamMtu: () => this.maxPlaintext - STREAM_DATA_OVERHEAD,
      factory: host.streamFactory,
      acceptor: (service) => host.streamAcceptor(this, service),
      now: host.now
    }, { maxChannels: l.maxChannels, openRetryMs: l.streamOpenRetryMs, openTimeoutMs: l.streamOpenTimeoutMs, lingerMs: l.streamLingerMs })
  }

  /** Open here, but the peer has not yet shown (by an authenticated packet) that it accepted the handshake. */
  get unconfirmed (): boolean { return this.role === 'initiator' ? this.awaitingConfirmation : !this.validated }

  /** Plaintext bytes one DATA packet can carry. The 1200-byte base is always used for requests (see below). */
  get maxPlaintext (): number { return this.mtu - DATA_OVERHEAD }

  get peerHex (): string | undefined { return this.peer?.idHex }

  /** Resolves when the handshake completed; rejects with the reason if the session closes first. */
  async whenOpen (): Promise<void> { await this.opened }

  establish (outcome: HandshakeOutcome, peer: PeerInfo, policy: RekeyPolicy): void {
    this.peer = peer
    this.remoteIndex = outcome.remoteIndex
    this.sendCipher = new SendCipher(outcome.sendKey, outcome.remoteIndex, policy, this.host.now)
    this.recvCipher = new RecvCipher(outcome.recvKey, this.host.now)
    this.state = 'open'
    this.lastRecv = this.host.now()
    this.settleOpened()
    if (this.validated) { this.flush(); this.host.onReady(this) }
  }

  /** Sends frames (packed greedily into datagrams) or queues them until the session may send. */
  sendFrames (frames: ChannelFrame[], kind: string): void {
    if (this.state === 'closed') return
    if (frames.length === 1) { this.sendPlain(encodeFrame(frames[0]), kind); return }
    const room = this.maxPlaintext
    let batch: ChannelFrame[] = []
    let size = 0
    for (const f of frames) {
      const one = encodeFrames([f])
      if (batch.length > 0 && size + one.length > room) {
        this.sendPlain(encodeFrames(batch), kind)
        batch = []; size = 0
      }
      batch.push(f); size += one.length
    }
    if (batch.length > 0) this.sendPlain(encodeFrames(batch), kind)
  }

  /**
   * Sends one datagram whose plaintext (whole, encoded channel frames, at most
   * maxPlaintext bytes) is given in pieces: they are encrypted piece by piece
   * and never joined (a stream's payload is not copied on its way out).
   */
  sendEncoded (pieces: readonly Buffer[], kind: string): void {
    if (this.state === 'closed') return
    if (this.state === 'open' && this.validated) { this.transmitPieces(pieces, kind); return }
    this.sendPlain(Buffer.concat(pieces), kind)
  }

  private sendPlain (plain: Buffer, kind: string): void {
    if (this.state === 'open' && this.validated) { this.transmitPlain(plain, kind); return }
    if (this.queuedBytes + plain.length > this.host.limits.maxQueuedBytes) { this.host.drop('queue-full'); return }
    this.queue.push({ plain, kind })
    this.queuedBytes += plain.length
  }

  private transmitPlain (plain: Buffer, kind: string): void { this.transmitPieces([plain], kind) }

  /** The pieces are copied into one datagram buffer and encrypted there (session-cipher.ts). */
  private transmitPieces (pieces: readonly Buffer[], kind: string, to = this.endpoint): void {
    const c = this.sendCipher as SendCipher
    const before = c.currentEpoch
    const datagram = c.sealDatagram(pieces)
    if (this.mtu > this.baseMtu && datagram.length > this.baseMtu) this.largeSinceConfirm++
    if (c.currentEpoch !== before) this.host.onRekey()
    this.host.transmit(datagram, to, this.peerHex, kind)
  }

  /** Removes queued frame groups that fit in `room` bytes together (the handshake's early data). */
  takeEarly (room: number): Buffer {
    const taken: Buffer[] = []
    let used = 0
    while (this.queue.length > 0 && used + this.queue[0].plain.length <= room) {
      const q = this.queue.shift() as { plain: Buffer, kind: string }
      this.queuedBytes -= q.plain.length
      taken.push(q.plain)
      used += q.plain.length
    }
    return Buffer.concat(taken)
  }

  /** Marks the path validated (an authenticated packet came back) and sends what waited. */
  validate (): void {
    if (this.validated) return
    this.validated = true
    this.handshakeReply = undefined
    if (this.state === 'open') { this.flush(); this.host.onReady(this) }
  }

  private flush (): void {
    const q = this.queue
    this.queue = []
    this.queuedBytes = 0
    for (const { plain, kind } of q) this.transmitPlain(plain, kind)
    this.startProbe()
  }

  /** Confirms an IK session to the responder (validates our address there) and measures RTT. */
  ping (pad = 0): number {
    const id = this.nextPing++
    this.pings.set(id, this.host.now())
    if (this.pings.size > 16) this.pings.delete(this.pings.keys().next().value as number)
    this.lastPing = this.host.now()
    const frames: ChannelFrame[] = [{ type: FrameType.PING, id }]
    if (pad > 0) frames.push({ type: FrameType.PADDING, length: pad })
    if (this.state === 'open' && this.validated) this.transmitPlain(encodeFrames(frames), 'link')
    return id
  }

  /** Authenticates one DATA packet; returns a drop reason or the service it was for (accounting). */
  receiveData (p: DataPacket, raw: Buffer, from: Endpoint): { drop?: string, kind: string } {
    if (this.state !== 'open') return { drop: 'session-not-open', kind: 'dropped' }
    const r = (this.recvCipher as RecvCipher).open(raw.subarray(0, DATA_HEADER_BYTES), p.epoch, p.counter, p.sealed)
    if (!r.ok) return { drop: r.reason, kind: 'dropped' }
    if (r.rotated) this.host.onRekey()
    this.lastRecv = this.host.now()
    // Authenticated traffic from a new address: the peer may have roamed (NAT rebinding),
    // or someone forged the source of the peer's packet. Challenge it; move only on the answer.
    const newPath = !sameEndpoint(from, this.endpoint)
    if (newPath) this.path.received(from, raw.length)
    this.validate()
    // Decode before looking at any field: an authenticated plaintext can still be
    // malformed (a buggy or hostile peer). It is dropped and counted, and the session
    // stays open: a newer peer's unknown frame type must not end it.
    const frames = tryDecode(decodeFrames, r.plaintext)
    if (frames === undefined) return { drop: 'bad-frames', kind: 'link' }
    const kind = frames.length === 0 ? 'link' : this.kindOf(frames[0])
    this.deliverFrames(frames, from)
    if (newPath) this.challengePath()
    return { kind }
  }

  /** Handles decrypted frame bytes; returns the handler promises it started, or undefined if malformed. */
  deliver (plain: Buffer): Array<Promise<void>> | undefined {
    const frames = tryDecode(decodeFrames, plain)
    if (frames === undefined) return undefined
    return this.deliverFrames(frames)
  }

  /** `from`: where the packet came from (undefined for frames that rode in a handshake). */
  private deliverFrames (frames: ChannelFrame[], from?: Endpoint): Array<Promise<void>> {
    const started: Array<Promise<void>> = []
    for (const f of frames) {
      if (this.state === 'closed') break
      switch (f.type) {
        case FrameType.PADDING: break
        case FrameType.REQUEST: {
          this.lastActivity = this.host.now()
          const p = this.server.onRequest(f)
          if (p !== undefined) started.push(p)
          break
        }
        case FrameType.RESPONSE: this.lastActivity = this.host.now(); this.client.onResponse(f); break
        case FrameType.ERROR: this.client.onError(f); break
        case FrameType.STREAM_OPEN:
        case FrameType.STREAM_ACCEPT:
        case FrameType.STREAM_DATA:
        case FrameType.STREAM_RESET:
          this.lastActivity = this.host.now()
          this.mux.onFrame(f)
          break
        case FrameType.DATAGRAM: this.lastActivity = this.host.now(); this.host.onDatagram(this, f.service, f.data); break
        case FrameType.PING:
          if (this.state === 'open' && this.validated) this.transmitPlain(encodeFrames([{ type: FrameType.PONG, id: f.id }]), 'link')
          break
        case FrameType.PONG: this.onPong(f.id); break
        case FrameType.PATH_CHALLENGE:
          if (this.state === 'open' && this.validated) this.transmitPlain(encodeFrame({ type: FrameType.PATH_RESPONSE, data: f.data }), 'link')
          break
        case FrameType.PATH_RESPONSE: if (from !== undefined && this.path.answered(f.data, from)) this.migrate(from); break
        case FrameType.CLOSE: this.close(new LinkError(LinkErrorCode.CLOSED, `peer closed the session: ${f.text === '' ? f.code : f.text}`), false, true); break
      }
    }
    return started
  }

  /** The service a frame group is about (by its first, decoded frame), for the accounting hook. */
  kindOf (f: ChannelFrame): string {
    switch (f.type) {
      case FrameType.STREAM_DATA:
      case FrameType.STREAM_ACCEPT:
      case FrameType.STREAM_RESET: return this.mux.serviceOf(f.channel) ?? 'link'
      case FrameType.RESPONSE:
      case FrameType.ERROR: return this.client.serviceOf(f.reqId) ?? 'link'
      case FrameType.REQUEST:
      case FrameType.STREAM_OPEN:
      case FrameType.DATAGRAM: return f.service
      default: return 'link'
    }
  }

  /** Sends the pending path's challenge if one is due and fits its amplification budget. */
  private challengePath (): void {
    if (this.state !== 'open' || this.path.pending === undefined) return
    const due = this.path.challengeDue(DATA_OVERHEAD + 1 + PATH_DATA_BYTES)
    if (due === undefined) return
    this.transmitPieces([encodeFrame({ type: FrameType.PATH_CHALLENGE, data: due.data })], 'link', due.to)
  }

  private migrate (to: Endpoint): void {
    const old = this.endpoint
    this.endpoint = { address: to.address, port: to.port }
    if (this.peer !== undefined) this.peer.endpoint = this.endpoint
    this.host.onMigrated(this, old)
  }

  rttSample (ms: number): void {
    if (this.peer === undefined || ms < 0) return
    this.peer.rttMs = this.peer.rttMs === undefined ? ms : this.peer.rttMs * 0.875 + ms * 0.125
  }

  private onPong (id: number): void {
    const sent = this.pings.get(id)
    if (sent === undefined) return
    this.pings.delete(id)
    this.rttSample(this.host.now() - sent)
    if (this.confirm !== undefined && this.confirm.id === id) {
      this.confirm = undefined
      this.confirmedAt = this.host.now()
      this.largeSinceConfirm = 0
    }
    if (this.probe !== undefined && this.probe.id === id && this.search !== undefined) {
      this.confirmedAt = this.host.now()
      this.largeSinceConfirm = 0
      this.search.confirmed(this.probe.size, this.host.now())
      this.mtu = this.search.current
      this.probe = undefined
      this.startProbe() // the next size, if the search goes on
    }
  }

  /** Sends the search's next probe, if it wants one now. */
  private startProbe (): void {
    if (this.search === undefined || this.probe !== undefined) return
    if (this.search.nextAttempt(this.host.now())) this.sendProbe()
  }

  private sendProbe (): void {
    const size = this.search?.probing
    if (size === undefined) return
    // PING(5 bytes) + PADDING up to the probed datagram size.
    this.probe = { id: this.paddedPing(size), size }
  }

  /** A PING padded to `size` bytes on the wire; it does not count as a large data datagram. */
  private paddedPing (size: number): number {
    const large = this.largeSinceConfirm
    // PING (5 bytes) + PADDING up to the datagram size.
    const id = this.ping(size - DATA_OVERHEAD - 5)
    this.largeSinceConfirm = large
    return id
  }

  /** Probe timeouts, the raise timer and black-hole detection (from the upkeep tick). */
  private searchUpkeep (now: number): void {
    const search = this.search
    if (search === undefined) return
    const rtt = this.peer?.rttMs ?? 0
    const c = this.confirm
    if (c !== undefined) {
      if (now - c.sentAt <= Math.max(PROBE_TIMEOUT_MIN_MS, 3 * rtt)) return
      if (c.attempts < CONFIRM_ATTEMPTS) {
        this.confirm = { id: this.paddedPing(this.mtu), attempts: c.attempts + 1, sentAt: now }
        return
      }
      // A black hole: the path no longer carries the size it once did.
      this.confirm = undefined
      this.probe = undefined
      search.blackHole()
      this.mtu = search.current
      this.largeSinceConfirm = 0
    } else if (this.probe === undefined && this.mtu > this.baseMtu && this.largeSinceConfirm >= CONFIRM_AFTER_DATAGRAMS &&
      now - this.confirmedAt > Math.max(CONFIRM_MIN_MS, 8 * rtt)) {
      this.confirm = { id: this.paddedPing(this.mtu), attempts: 1, sentAt: now }
      return
    }
    if (this.probe !== undefined) {
      if (now - this.lastPing <= Math.max(PROBE_TIMEOUT_MIN_MS, 3 * rtt)) return
      this.probe = undefined
      if (search.nextAttempt(now)) this.sendProbe()
      return
    }
    this.startProbe()
  }

  /** The datagram-size search's counters, when this session searches. */
  get mtuSearchStats (): MtuSearch['stats'] | undefined { return this.search?.stats }

  /** Periodic upkeep: idle and dead-peer checks, keepalive, probe retries, cache expiry. */
  tick (now: number, idleMs: number, deadMs: number, keepaliveMs: number): void {
    if (this.state === 'closed') return
    this.server.sweep(now)
    this.mux.sweep(now)
    this.requests.sweep(now)
    this.responses.sweep(now)
    if (this.state !== 'open') return
    this.challengePath()
    // Dead: we are waiting for the peer (requests, streams) and hear nothing, keepalives included.
    const busy = this.mux.open > 0 || this.client.inFlight > 0
    if (busy && now - this.lastRecv > deadMs) {
      this.close(new LinkError(LinkErrorCode.TIMEOUT, `no packet from the peer for ${Math.round((now - this.lastRecv) / 1000)} s`), false, false)
      return
    }
    if (!busy && now - this.lastActivity > idleMs) {
      this.close(undefined, true, false)
      return
    }
    if (busy && now - this.lastRecv > keepaliveMs && now - this.lastPing > keepaliveMs) this.ping()
    this.searchUpkeep(now)
  }

  /**
   * Ends the session: fails its requests and streams with `err`, tells the peer
   * (CLOSE frame) when `notify`, and reports to the link.
   */
  close (err: Error | undefined, notify: boolean, byPeer: boolean, text = 'closing'): void {
    if (this.state === 'closed') return
    if (notify && this.state === 'open' && this.validated) {
      this.transmitPlain(encodeFrames([{ type: FrameType.CLOSE, code: 'CLOSE', text }]), 'link')
    }
    this.state = 'closed'
    const e = err ?? new LinkError(LinkErrorCode.CLOSED, 'the session was closed')
    this.settleOpened(e)
    this.client.failAll(e)
    this.server.abortAll()
    this.mux.closeAll(e)
    this.reassembly.close()
    this.path.clear()
    this.queue = []
    this.queuedBytes = 0
    this.host.onClosed(this, err, byPeer)
  }
}

export function sameEndpoint (a: Endpoint, b: Endpoint): boolean {
  return a.address === b.address && a.port === b.port
}
