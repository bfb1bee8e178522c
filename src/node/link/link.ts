import { randomBytes } from 'node:crypto'
import { EventEmitter } from 'node:events'
import type { TrafficMeter } from '../accounting/traffic-meter.js'
import { isTornetError, type TornetError } from '../errors.js'
import { type Identity, nodeIdOf } from '../identity/identity.js'
import type { Transport } from '../transport/transport.js'
import { type Endpoint, endpointKey } from '../types.js'
import { datagramOverhead, FrameType, MAX_SERVICE_NAME } from '../wire/channel-frames.js'
import { tryDecode, WireError } from '../wire/codec.js'
import { decodeLinkPacket, type LinkPacket, PacketType, type Refuse, RefuseReason, UnsupportedVersionError } from '../wire/link-packets.js'
import { decodeObserved, encodeObserved, OBSERVED_SERVICE, REACH_SERVICE } from '../wire/reach-messages.js'
import { ObservedAddresses } from './observed-addresses.js'
import { errorFromRefuse, LinkError, LinkErrorCode } from './errors.js'
import { ReassemblyBudget } from './fragment-assembler.js'
import { type HandshakeOutcome, localKeys, type PeerProof, refuseWith } from './handshake.js'
import { HandshakeInitiator } from './handshake-initiator.js'
import { HandshakeResponder } from './handshake-responder.js'
import type { HandshakePort } from './handshake-port.js'
import { emptyStats, type LinkStats } from './link-stats.js'
import { createSigner } from './link-crypto.js'
import { type LinkOptions, resolveLinkOptions, type ResolvedLinkOptions } from './link-options.js'
import { sameEndpoint, Session, type SessionHost } from './session.js'
import { lowestStanding, newcomerStanding, outranks, SessionLedger } from './session-standing.js'
import { hostOf } from './source-address.js'
import { defaultStreamFactory } from './default-stream-factory.js'
import type { LinkLog, LinkStream, PeerAddress, PeerInfo, RequestOptions, ServiceHandlers, StreamFactory } from './types.js'

const INTERNAL_ERROR_LOG_MS = 10_000

/** Why a handshake or session with a peer failed (for connection-error counting). */
export interface PeerErrorEvent {
  endpoint: Endpoint
  error: TornetError
  direction: 'inbound' | 'outbound'
  /** The peer's identity when the failure came after it was proven (e.g. rank too low). */
  peer?: { id: Buffer, publicKey: Buffer, rank: number }
}

export interface LinkEvents {
  'peer-connected': [PeerInfo]
  'peer-disconnected': [PeerInfo, Error | undefined]
  'peer-error': [PeerErrorEvent]
}

/**
 * The link layer: encrypted sessions over one datagram transport, with
 * request/response, stream and datagram channels bound to registered
 * services. Every datagram in and out is reported to the traffic meter;
 * malformed or unauthenticated datagrams are dropped and counted in `stats`,
 * never thrown.
 */
export class Link extends EventEmitter<LinkEvents> {
  readonly stats: LinkStats = emptyStats()
  readonly identity: Identity
  /** Where peers say they see this node (each session's responder tells its initiator). */
  readonly observed: ObservedAddresses
  private dialBackHandler?: (nonce: Buffer, from: Endpoint) => boolean
  private readonly transport: Transport
  private readonly meter?: TrafficMeter
  private readonly log?: LinkLog
  private readonly opts: ResolvedLinkOptions
  private readonly core: HandshakePort
  private readonly initiator: HandshakeInitiator
  private readonly responder: HandshakeResponder
  private readonly services = new Map<string, ServiceHandlers>()
  /** Service names this node's own code sent to (bounded), so client-only services are metered by name. */
  private readonly usedServices = new Set<string>()
  private readonly byIndex = new Map<number, Session>()
  private readonly byPeer = new Map<string, Session>()
  private readonly byEndpoint = new Map<string, Session>()
  private readonly peerSessions = new Map<string, number>()
  private readonly ledger = new SessionLedger()
  /** Request handlers not yet settled, per peer id and in all (see handleRequest). */
  private readonly handlersByPeer = new Map<string, number>()
  private handlersRunning = 0
  private readonly sessionHost: SessionHost
  private readonly timer: NodeJS.Timeout
  private closed = false
  private lastInternalErrorLog = -Infinity

  constructor (options: LinkOptions) {
    super()
    this.opts = resolveLinkOptions(options)
    this.observed = new ObservedAddresses(this.opts.now)
    this.identity = options.identity
    this.transport = options.transport
    this.meter = options.meter
    this.log = options.log
    const streamFactory: StreamFactory = options.streamFactory ?? defaultStreamFactory
    const keys = localKeys(options.identity, createSigner(options.identity.secretKey))
    const now = this.opts.now
    this.core = {
      keys,
      opts: this.opts,
      stats: this.stats,
      now,
      allocIndex: () => this.allocIndex(),
      send: (d, to, peer, kind) => this.send(d, to, peer, kind),
      createSession: (role, index, endpoint) => this.createSession(role, index, endpoint),
      sessionEstablished: (s, o) => this.sessionEstablished(s, o),
      sessionByIndex: (i) => this.byIndex.get(i),
      admitSession: (peer, from, validated) => this.admitSession(peer, from, validated),
      peerError: (endpoint, error, direction, peer) => this.peerError(endpoint, error, direction, peer),
      drop: (reason) => this.drop(reason)
    }
    this.sessionHost = {
      now,
      limits: this.opts.limits,
      budget: new ReassemblyBudget(this.opts.limits.reassemblyBudgetBytes, this.opts.limits.reassemblySessionBytes),
      streamFactory,
      transmit: (d, to, peer, kind) => this.send(d, to, peer, kind),
      handleRequest: (s, service, payload, signal) => this.handleRequest(s, service, payload, signal),
      streamAcceptor: (s, service) => {
        const h = this.services.get(service)?.onStream
        return h === undefined ? undefined : (stream) => h(s.peer as PeerInfo, stream)
      },
      onDatagram: (s, service, payload) => this.onServiceDatagram(s, service, payload),
      onClosed: (s, err, byPeer) => this.sessionClosed(s, err, byPeer),
      drop: (reason) => this.drop(reason),
      onRekey: () => { this.stats.rekeys++ },
      onReady: (s) => this.sessionReady(s),
      onMigrated: (s, from) => {
        const old = endpointKey(from)
        if (this.byEndpoint.get(old) === s) this.byEndpoint.delete(old)
        if (s.announced) this.byEndpoint.set(endpointKey(s.endpoint), s)
      }
    }
    this.initiator = new HandshakeInitiator(this.core)
    this.responder = new HandshakeResponder(this.core)
    this.transport.onDatagram((data, from) => this.onDatagram(data, from))
    this.timer = setInterval(() => this.tick(), this.opts.limits.tickMs)
    this.timer.unref()
  }

  get local (): Endpoint { return this.transport.local }

  /** Binds a service name to its handlers (replacing earlier ones). */
  registerService (name: string, handlers: ServiceHandlers): void {
    checkService(name)
    this.services.set(name, handlers)
  }

  unregisterService (name: string): void { this.services.delete(name) }

  /**
   * Receives DIAL_BACK packets (sent outside any session by a peer this node asked to reach it
   * from another port). The handler says whether the nonce was one it waits for; the packet is
   * unauthenticated, so all it can do is answer a pending question whose random nonce it carries.
   */
  onDialBack (handler: (nonce: Buffer, from: Endpoint) => boolean): void { this.dialBackHandler = handler }

  /** Sends a request and resolves with the response payload (≤ 64 KiB each way). */
  async request (to: PeerAddress, service: string, payload: Uint8Array, opts: RequestOptions = {}): Promise<Buffer> {
    checkService(service)
    this.noteUsed(service)
    const l = this.opts.limits
    const session = this.sessionFor(to)
    const started = this.opts.now()
    try {
      return await session.client.request(service, Buffer.from(payload.buffer, payload.byteOffset, payload.length), {
        timeoutMs: opts.timeoutMs ?? l.requestTimeoutMs, retries: opts.retries ?? l.requestRetries, signal: opts.signal
      })
    } catch (err) {
      // Nothing at all came back on an open session: the peer most likely restarted and lost
      // its keys. Drop the session so the next request handshakes afresh.
      if (isTornetError(err, LinkErrorCode.TIMEOUT) && session.state === 'open' && session.lastRecv < started) {
        session.close(new LinkError(LinkErrorCode.TIMEOUT, 'the peer stopped answering on this session'), false, false)
      }
      throw err
    }
  }

  /** Opens a reliable stream to the peer's service; rejects with the peer's refusal (e.g. LINK_UNKNOWN_SERVICE). */
  async openStream (to: PeerAddress, service: string, opts: { signal?: AbortSignal } = {}): Promise<LinkStream> {
    checkService(service)
    this.noteUsed(service)
    return await this.sessionFor(to).mux.openStream(service, opts.signal)
  }

  /** Sends one unreliable datagram to the peer's service; resolves once it left (or was queued on an opening session). */
  async sendDatagram (to: PeerAddress, service: string, payload: Uint8Array): Promise<void> {
    checkService(service)
    this.noteUsed(service)
    const session = this.sessionFor(to)
    const max = session.maxPlaintext - datagramOverhead(Buffer.byteLength(service))
    if (payload.length > max) throw new LinkError(LinkErrorCode.TOO_LARGE, `datagram of ${payload.length} bytes exceeds ${max}`)
    session.sendFrames([{ type: FrameType.DATAGRAM, service, data: Buffer.from(payload) }], service)
  }

  /** Establishes (or reuses) a session and resolves with the authenticated peer. */
  async connect (to: PeerAddress): Promise<PeerInfo> {
    const session = this.sessionFor(to)
    await session.whenOpen()
    return session.peer as PeerInfo
  }

  /** Sizes of the responder's handshake tables (what a flood of inits could fill). */
  handshakeTables (): { recentInits: number, halfOpen: number } {
    return { recentInits: this.responder.recentInitCount, halfOpen: this.responder.halfOpen }
  }

  /** How many sessions the table holds, and how many of them still wait for their address to be validated. */
  sessionCounts (): { total: number, unvalidated: number } {
    let unvalidated = 0
    for (const s of this.byIndex.values()) if (!s.validated && s.state !== 'closed') unvalidated++
    return { total: this.byIndex.size, unvalidated }
  }

  /** The datagram size in use towards a peer (1200 until a probe proves more), or undefined without an open session. */
  datagramSize (peerIdHex: string): number | undefined {
    const s = this.byPeer.get(peerIdHex)
    return s?.state === 'open' ? s.mtu : undefined
  }

  /** The peers with an open session. */
  sessions (): PeerInfo[] {
    const out: PeerInfo[] = []
    for (const s of this.byPeer.values()) if (s.state === 'open' && s.peer !== undefined) out.push(s.peer)
    return out
  }

  /** Closes every session (telling the peers) and stops the link; the transport stays open. */
  async close (): Promise<void> {
    if (this.closed) return
    this.closed = true
    clearInterval(this.timer)
    for (const s of [...this.byIndex.values()]) s.close(new LinkError(LinkErrorCode.CLOSED, 'the link was closed'), true, false, 'node shutting down')
  }

  // ---- sessions ---------------------------------------------------------------

  /** The session to use for `to`: an open or opening one, or a new one whose handshake starts now. */
  private sessionFor (to: PeerAddress): Session {
    if (this.closed) throw new LinkError(LinkErrorCode.CLOSED, 'the link is closed')
    const id = to.id ?? (to.publicKey !== undefined ? nodeIdOf(to.publicKey) : undefined)
    if (to.id !== undefined && to.publicKey !== undefined && !nodeIdOf(to.publicKey).equals(to.id)) {
      throw new LinkError(LinkErrorCode.WRONG_PEER, 'the contact\'s id is not the hash of its public key (forged contact)')
    }
    if (id !== undefined && id.equals(this.identity.id)) throw new LinkError(LinkErrorCode.SELF, 'cannot link to this node itself')
    if (id !== undefined) {
      const s = this.byPeer.get(id.toString('hex'))
      if (s !== undefined && s.state !== 'closed') return s
    }
    const byEp = this.byEndpoint.get(endpointKey(to.endpoint))
    if (byEp !== undefined && byEp.state !== 'closed' && (byEp.state === 'open' || byEp.role === 'initiator')) {
      // Reuse only a session that proves (or will prove) the node the caller expects.
      const proven = byEp.peer?.id ?? byEp.expectedId
      if (id === undefined || proven?.equals(id) === true) return byEp
    }
    const session = this.createSession('initiator', this.allocIndex(), to.endpoint)
    session.expectedId = id
    this.byEndpoint.set(endpointKey(to.endpoint), session)
    this.initiator.start(session, to)
    return session
  }

  private createSession (role: 'initiator' | 'responder', localIndex: number, endpoint: Endpoint): Session {
    // Responders made room in admitSession; our own outgoing sessions take the lowest-standing place.
    if (this.byIndex.size >= this.opts.limits.maxSessions) this.evictLowest()
    const s = new Session(this.sessionHost, role, localIndex, { address: endpoint.address, port: endpoint.port }, this.opts.mtu, this.opts.probeMtu)
    this.byIndex.set(localIndex, s)
    this.ledger.add(s, this.opts.now())
    return s
  }

  /**
   * Whether an inbound handshake may become a session (undefined) or why not (it is refused
   * BUSY). A source host (IPv4 address, IPv6 /64) holds at most maxSessionsPerAddress validated sessions (an
   * unvalidated one may be spoofed, so it counts only against the unvalidated cap); sessions
   * awaiting validation have their own cap; and when the table is full the newcomer must
   * outrank the session of lowest standing, which then leaves (see session-standing.ts).
   */
  private admitSession (peer: PeerProof, from: Endpoint, validated: boolean): string | undefined {
    const l = this.opts.limits
    const host = hostOf(from.address)
    let atHost = 0
    let unvalidated = 0
    for (const s of this.byIndex.values()) {
      if (s.state === 'closed') continue
      if (!s.validated) unvalidated++
      else if (s.endpoint.address === from.address || hostOf(s.endpoint.address) === host) atHost++
    }
    if (atHost >= l.maxSessionsPerAddress) return `too many sessions from ${host}`
    if (!validated && unvalidated >= l.maxUnvalidatedSessions) return 'too many sessions awaiting address validation; retry with XX'
    if (this.byIndex.size < l.maxSessions) return undefined
    const now = this.opts.now()
    const low = lowestStanding(this.byIndex.values(), this.ledger, now)
    if (low === undefined || !outranks(newcomerStanding(validated, peer.rank, now), low.standing)) return 'too many sessions'
    low.session.close(new LinkError(LinkErrorCode.BUSY, 'session evicted (a peer of higher standing needed the place)'), true, false, 'too many sessions')
    return undefined
  }

  private sessionEstablished (session: Session, outcome: HandshakeOutcome): void {
    const p = outcome.peer
    const peer: PeerInfo = { id: p.id, idHex: p.id.toString('hex'), publicKey: p.publicKey, nonce: p.rankNonce, rank: p.rank, endpoint: session.endpoint, rttMs: undefined }
    const l = this.opts.limits
    // Until the responder's first packet, it may still refuse our XX_FIN with a REFUSE.
    session.awaitingConfirmation = session.role === 'initiator' && outcome.pattern === 'xx'
    session.establish(outcome, peer, { rekeyBytes: l.rekeyBytes, rekeyMs: l.rekeyMs })
    this.stats.sessionsOpened++
    // Tell the initiator the address its packets come from: queued now, it rides in IK_RESP (or,
    // after XX_FIN, leaves as the first DATA packet). Behind a NAT that is the only way to learn it.
    if (session.role === 'responder' && session.state === 'open') {
      session.sendFrames([{ type: FrameType.DATAGRAM, service: OBSERVED_SERVICE, data: encodeObserved(session.endpoint) }], 'link')
    }
  }

  private sessionReady (session: Session): void {
    this.responder.release(session)
    const peer = session.peer as PeerInfo
    this.byPeer.set(peer.idHex, session)
    this.byEndpoint.set(endpointKey(session.endpoint), session)
    session.announced = true
    const n = this.peerSessions.get(peer.idHex) ?? 0
    this.peerSessions.set(peer.idHex, n + 1)
    if (n === 0) this.emit('peer-connected', peer)
  }

  private sessionClosed (session: Session, err: Error | undefined, byPeer: boolean): void {
    this.byIndex.delete(session.localIndex)
    this.ledger.remove(session)
    this.initiator.forget(session.localIndex)
    this.responder.release(session)
    this.stats.sessionsClosed++
    const epKey = endpointKey(session.endpoint)
    if (this.byEndpoint.get(epKey) === session) this.byEndpoint.delete(epKey)
    const peer = session.peer
    if (peer === undefined || !session.announced) return
    if (this.byPeer.get(peer.idHex) === session) this.byPeer.delete(peer.idHex)
    const n = (this.peerSessions.get(peer.idHex) ?? 1) - 1
    if (n > 0) { this.peerSessions.set(peer.idHex, n); return }
    this.peerSessions.delete(peer.idHex)
    this.emit('peer-disconnected', peer, byPeer ? undefined : err)
  }

  private evictLowest (): void {
    const low = lowestStanding(this.byIndex.values(), this.ledger, this.opts.now())
    low?.session.close(new LinkError(LinkErrorCode.BUSY, 'session evicted (too many sessions)'), true, false, 'too many sessions')
  }

  private allocIndex (): number {
    for (;;) {
      const i = randomBytes(4).readUInt32LE(0)
      if (i !== 0 && !this.byIndex.has(i) && !this.responder.holdsIndex(i)) return i
    }
  }

  private tick (): void {
    const now = this.opts.now()
    const l = this.opts.limits
    this.responder.sweep(now)
    for (const s of [...this.byIndex.values()]) {
      // A real initiator confirms its address within a round trip; a spoofed source never does.
      if (!s.validated && s.state === 'open' && now - this.ledger.created(s) > l.unvalidatedTimeoutMs) {
        s.close(new LinkError(LinkErrorCode.TIMEOUT, 'the peer never confirmed its address'), false, false)
        continue
      }
      s.tick(now, l.idleTimeoutMs, l.deadPeerMs, l.keepaliveMs)
    }
  }

  // ---- datagrams in and out -----------------------------------------------------

  /** `datagram` may come in pieces (scatter/gather), which the transport sends as one. */
  private send (datagram: Buffer | readonly Buffer[], to: Endpoint, peerHex: string | undefined, kind: string): void {
    let length = 0
    if (datagram instanceof Uint8Array) length = datagram.length
    else for (const b of datagram) length += b.length
    this.stats.datagramsOut++
    this.stats.bytesOut += length
    this.meter?.record(peerHex, 'out', length, this.meterKind(kind))
    this.transport.send(datagram, to)
  }

  private onDatagram (data: Buffer, from: Endpoint): void {
    if (this.closed) return
    this.stats.datagramsIn++
    this.stats.bytesIn += data.length
    try {
      this.receive(data, from)
    } catch (err) {
      // A bug, not bad input (decoders never throw past this point); keep serving. One
      // warning per INTERNAL_ERROR_LOG_MS at most: a peer that can trigger it must not flood the log.
      this.drop('internal-error')
      const now = this.opts.now()
      if (now - this.lastInternalErrorLog >= INTERNAL_ERROR_LOG_MS) {
        this.lastInternalErrorLog = now
        this.log?.('warn', 'link: error while handling a datagram', { error: String(err), count: this.stats.dropped['internal-error'] })
      }
    }
  }

  private receive (data: Buffer, from: Endpoint): void {
    let p: LinkPacket
    try {
      p = decodeLinkPacket(data)
    } catch (err) {
      if (err instanceof UnsupportedVersionError) {
        this.meter?.record(undefined, 'in', data.length, 'dropped')
        this.drop('bad-version')
        // Tell an initiator of another version, in a packet smaller than its own.
        if (err.senderIndex !== undefined) {
          const reply = refuseWith(err.senderIndex, RefuseReason.UNSUPPORTED_VERSION, 'this node speaks link version 1')
          if (reply.length <= data.length) this.send(reply, from, undefined, 'handshake')
        }
        return
      }
      if (!(err instanceof WireError)) throw err
      this.meter?.record(undefined, 'in', data.length, 'dropped')
      this.drop('malformed')
      return
    }
    if (p.type === PacketType.DIAL_BACK) {
      this.meter?.record(undefined, 'in', data.length, this.meterKind(REACH_SERVICE))
      if (this.dialBackHandler?.(p.nonce, from) !== true) this.drop('unexpected-dial-back')
      return
    }
    if (p.type === PacketType.DATA) {
      const s = this.byIndex.get(p.receiverIndex)
      if (s === undefined) { this.meter?.record(undefined, 'in', data.length, 'dropped'); this.drop('unknown-session'); return }
      const wasValidated = s.validated
      const result = s.receiveData(p, data, from)
      this.meter?.record(s.peerHex, 'in', data.length, this.meterKind(result.kind))
      if (result.drop !== undefined) { this.drop(result.drop); return }
      this.ledger.received(s, data.length)
      if (s.role === 'initiator') { s.awaitingConfirmation = false; this.initiator.confirmed(s) }
      if (!wasValidated && s.validated && s.peer !== undefined) this.byEndpoint.set(endpointKey(s.endpoint), s)
      return
    }
    this.meter?.record(this.byIndex.get((p as { receiverIndex?: number }).receiverIndex ?? -1)?.peerHex, 'in', data.length, 'handshake')
    switch (p.type) {
      case PacketType.IK_INIT: this.responder.onIkInit(p, from, data.length); return
      case PacketType.XX_INIT: this.responder.onXxInit(p, from, data.length); return
      case PacketType.XX_FIN: if (!this.responder.onXxFin(p, from)) this.drop('unexpected'); return
      case PacketType.IK_RESP:
      case PacketType.XX_RESP: if (!this.initiator.onResponse(p)) this.drop('unexpected'); return
      case PacketType.COOKIE: if (!this.initiator.onCookie(p, from)) this.drop('unexpected'); return
      case PacketType.REFUSE: this.onRefuse(p, from)
    }
  }

  /**
   * A REFUSE is not authenticated and names its session only by an index that every
   * DATA header shows in the clear, so it may end only a handshake still in progress,
   * and only when it comes from the endpoint that handshake was sent to. An open
   * session ends on the authenticated CLOSE frame, never on a REFUSE.
   */
  private onRefuse (p: Refuse, from: Endpoint): void {
    const s = this.byIndex.get(p.receiverIndex)
    if (s === undefined) {
      // A responder's half-open XX handshake (not a session yet); it checks the source itself.
      if (!this.responder.onRefuse(p, from)) this.drop('unexpected')
      return
    }
    if (s.state === 'closed') { this.drop('unexpected'); return }
    if (!sameEndpoint(from, s.endpoint)) { this.drop('refuse-wrong-source'); return }
    if (s.state === 'handshaking') { if (!this.initiator.onRefuse(p)) this.drop('unexpected'); return }
    // Open on our side, but the other end may still refuse the handshake's last step
    // (our XX_FIN or its IK_RESP: rank, identity) until its first authenticated packet.
    if (!s.unconfirmed) { this.drop('refuse-open-session'); return }
    const error = errorFromRefuse(p.reason, p.text)
    this.initiator.forget(s.localIndex)
    this.peerError(s.endpoint, error, 'outbound', s.peer === undefined ? undefined : { id: s.peer.id, publicKey: s.peer.publicKey, rankNonce: s.peer.nonce, rank: s.peer.rank })
    s.close(error, false, true)
  }

  /**
   * The kind the meter is told: the link's own kinds and the services this node registered
   * or used by name; any other name (a peer chose it) is counted as UNREGISTERED_KIND.
   */
  private meterKind (kind: string): string {
    return LINK_KINDS.has(kind) || this.services.has(kind) || this.usedServices.has(kind) ? kind : UNREGISTERED_KIND
  }

  private noteUsed (service: string): void {
    if (this.usedServices.size < MAX_USED_SERVICES) this.usedServices.add(service)
  }

  private drop (reason: string): void {
    this.stats.dropped[reason] = (this.stats.dropped[reason] ?? 0) + 1
  }

  private peerError (endpoint: Endpoint, error: TornetError, direction: 'inbound' | 'outbound', peer?: PeerProof): void {
    this.log?.('debug', `link: ${direction} peer error ${error.code}`, { endpoint: endpointKey(endpoint), message: error.message })
    this.emit('peer-error', { endpoint, error, direction, peer: peer === undefined ? undefined : { id: peer.id, publicKey: peer.publicKey, rank: peer.rank } })
  }

  // ---- services -----------------------------------------------------------------

  private async handleRequest (session: Session, service: string, payload: Buffer, signal: AbortSignal): Promise<Uint8Array> {
    const h = this.services.get(service)?.onRequest
    if (h === undefined) throw new LinkError(LinkErrorCode.UNKNOWN_SERVICE, `no service "${service}" on this node`)
    // Slots are held until the handler settles, not until its session closes: a handler that
    // ignores its abort signal still counts, so re-handshaking buys a peer no more of them.
    const peer = session.peerHex ?? ''
    const mine = this.handlersByPeer.get(peer) ?? 0
    const l = this.opts.limits
    if (mine >= l.maxHandlersPerPeer || this.handlersRunning >= l.maxHandlersTotal) {
      this.drop('handlers-busy')
      throw new LinkError(LinkErrorCode.BUSY, 'too many requests in progress; retry later')
    }
    this.handlersByPeer.set(peer, mine + 1)
    this.handlersRunning++
    try {
      return await h(session.peer as PeerInfo, payload, signal)
    } finally {
      this.handlersRunning--
      const left = (this.handlersByPeer.get(peer) ?? 1) - 1
      if (left <= 0) this.handlersByPeer.delete(peer)
      else this.handlersByPeer.set(peer, left)
    }
  }

  /** Request handlers still running (bounded by limits.maxHandlersTotal). */
  get runningHandlers (): number { return this.handlersRunning }

  private onServiceDatagram (session: Session, service: string, payload: Buffer): void {
    if (service === OBSERVED_SERVICE) { this.onObserved(session, payload); return }
    const h = this.services.get(service)?.onDatagram
    if (h === undefined) { this.drop('unknown-service-datagram'); return }
    try {
      h(session.peer as PeerInfo, Buffer.from(payload))
    } catch (err) {
      this.log?.('warn', `link: datagram handler of "${service}" threw`, { error: String(err) })
    }
  }

  /** A responder's report of where it sees this node (wire/reach-messages.ts); inside the session, so authenticated. */
  private onObserved (session: Session, payload: Buffer): void {
    const peer = session.peer
    const endpoint = tryDecode(decodeObserved, payload)
    if (peer === undefined || endpoint === undefined) { this.drop('malformed-observed'); return }
    this.observed.record(peer.idHex, session.endpoint.address, endpoint)
  }
}

/** Meter kinds of the link itself (not services). */
const LINK_KINDS = new Set(['link', 'handshake', 'dropped'])
/** The meter kind of traffic for a service this node neither registered nor used. */
export const UNREGISTERED_KIND = 'unregistered'
/** Service names remembered as used by this node's own code (its code names a handful). */
const MAX_USED_SERVICES = 64

export function createLink (options: LinkOptions): Link {
  return new Link(options)
}

function checkService (name: string): void {
  const n = Buffer.byteLength(name)
  if (n === 0 || n > MAX_SERVICE_NAME) throw new LinkError(LinkErrorCode.BAD_ARGUMENT, `service names are 1..${MAX_SERVICE_NAME} bytes: ${JSON.stringify(name)}`)
}
