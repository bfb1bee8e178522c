import { randomBytes as cryptoRandomBytes } from 'node:crypto'
import type { Endpoint } from '../types.js'
import { tryDecode } from '../wire/codec.js'
import { decodeRoutingMessage, encodeRoutingMessage, MAX_VALUE_BYTES, type RoutingMessage } from '../wire/routing-messages.js'
import { makeContact, roundTripsTo, type Contact } from './contact.js'
import { systemClock, type Clock } from './clock.js'
import { RoutingTable, type AddResult, type RoutingTableOptions } from './routing-table.js'
import { isPublicEndpoint } from './endpoint-scope.js'
import { RequestTimeouts, type RequestTimeoutOptions } from './request-timeouts.js'
import { LOOKUP_FINISHED, runLookup, updateFailureRate, type LookupEvent, type LookupRequest, type LookupResult, type NotFoundStop, type QueryResult } from './lookup.js'
import { DemandCounter } from './demand-counter.js'
import { randomIdInBucket } from './bucket-layout.js'
import { handleRoutingRequest } from './routing-responder.js'
import type { ValueProvider } from './value-provider.js'
import { contactFromWire, contactToWire } from './wire-contact.js'
import { ID_BYTES } from './distance.js'
import { RoutingError, RoutingErrorCode } from './errors.js'
import type { ContactMemory } from './contact-memory.js'

/**
 * The DHT of one node: routing table + lookups + request handling, over a
 * narrow RPC port the link layer provides. The port's `send` must deliver to
 * the node whose id is `to.id` (the link handshake proves it) or, when `to.id`
 * is empty, to whoever answers at `to.endpoint` (bootstrap); it rejects on
 * timeout, abort or a failed handshake. The link layer registers
 * `handleRequest` as service "dht" and reports authenticated peers through
 * `onContactSeen`.
 */
export interface RpcPort {
  /** Our own contact; publicKey and nonce are sent in PONG. */
  self: Contact
  send (to: Contact, payload: Buffer, opts: { timeoutMs: number, signal?: AbortSignal }): Promise<Buffer>
  now (): number
  /**
   * The endpoint of the authenticated session open to this node id, if any. The
   * link reaches a node by id over such a session whatever endpoint a contact
   * names, so an answer proves the id, not the named endpoint: this says where
   * the node really is. Ports without sessions (the simulator) leave it out.
   */
  endpointOf? (id: Buffer): Endpoint | undefined
}

export interface DhtOptions {
  k: number
  alpha: number
  table: Partial<RoutingTableOptions>
  rtt: Partial<RequestTimeoutOptions>
  /** Timers; real (unref'd) by default, the simulator's virtual clock in tests. */
  clock: Clock
  randomBytes: (n: number) => Buffer
  /**
   * Ask for contacts by public key (default on). The key takes the id's place
   * on the wire, so it costs no bytes, and it lets the link reach each contact
   * with a one-round-trip IK handshake instead of a two-round-trip XX.
   */
  wantKeys: boolean
  /** Ask for rank nonces too (8 bytes a contact; default off: the handshake proves the rank). */
  wantNonces: boolean
  /**
   * Disjoint lookup paths (S/Kademlia, LookupOptions.paths; default 2). With
   * one path, 40 ids ground next to a target (a few seconds of key drawing on
   * a 10,000-node network) hid it from about one lookup in nine; two paths
   * reach it in all but a few hundredths of a percent (bench/sybil.ts), for
   * about twice the requests of a FIND_NODE. A FIND_VALUE ends on the first
   * verified value, so it costs little more.
   */
  disjointPaths: number
  /** How often start() checks for stale buckets. */
  refreshCheckMs: number
  /** Below this many contacts the node re-bootstraps from its remembered seeds. */
  minContacts: number
  maxConcurrentPings: number
  maxDemandKeys: number
  /** Remembered peers (LMDB); loaded for bootstrap, saved on refresh and stop. */
  memory?: ContactMemory
  /**
   * Follow contacts that peers name at loopback, private, link-local or
   * multicast endpoints (see endpoint-scope.ts). Off by default; on for LAN and
   * 127.0.0.1 test networks (config.allowPrivateEndpoints).
   */
  allowPrivateEndpoints: boolean
}

export interface FindOptions {
  signal?: AbortSignal
  onProgress?: (e: LookupEvent) => void
}

export interface FindValueOptions extends FindOptions {
  /** Offer a found value to the closest node on the path that lacked it (default true). */
  cacheAlongPath?: boolean
  /** End the lookup early when the closest nodes report the key as widely missing (LookupOptions.notFoundStop); off when absent. */
  notFoundStop?: NotFoundStop
}

export interface BootstrapReport {
  /** Seeds that answered. */
  reached: number
  /** Contacts in the table afterwards. */
  contacts: number
}

export class Dht {
  readonly table: RoutingTable
  readonly rtt: RequestTimeouts
  readonly demand: DemandCounter
  readonly options: DhtOptions
  private readonly providers = new Map<number, ValueProvider>()
  private readonly seeds: Array<Endpoint | Contact> = []
  private readonly running = new Set<AbortController>()
  private pings = 0
  private failureRate = 0
  private cancelRefresh?: () => void
  private stopped = false

  constructor (readonly port: RpcPort, options: Partial<DhtOptions> = {}) {
    this.options = {
      k: 20,
      alpha: 3,
      table: {},
      rtt: {},
      clock: systemClock,
      randomBytes: cryptoRandomBytes,
      wantKeys: true,
      wantNonces: false,
      disjointPaths: 2,
      refreshCheckMs: 60_000,
      minContacts: 1,
      maxConcurrentPings: 8,
      maxDemandKeys: 10_000,
      allowPrivateEndpoints: false,
      ...options
    }
    if (port.self.id.length !== ID_BYTES) throw new RangeError('dht: own id must be 32 bytes')
    this.table = new RoutingTable(port.self.id, { k: this.options.k, ...this.options.table })
    this.rtt = new RequestTimeouts(this.options.rtt)
    this.demand = new DemandCounter({ maxKeys: this.options.maxDemandKeys })
  }

  get self (): Contact { return this.port.self }

  /** Inbound request from the link layer (service "dht"). Rejects with ROUTING_BAD_REQUEST on garbage: drop it. */
  async handleRequest (from: Contact, payload: Buffer): Promise<Buffer> {
    if (from.id.length === ID_BYTES) this.learn(from)
    return await handleRoutingRequest({
      self: () => this.port.self,
      table: this.table,
      demand: this.demand,
      providers: this.providers,
      now: () => this.port.now()
    }, from, payload)
  }

  registerValueProvider (kind: number, provider: ValueProvider): void {
    if (!Number.isInteger(kind) || kind < 1 || kind > 255) throw new RoutingError(RoutingErrorCode.badValueKind, `value kind ${kind} must be within 1..255`)
    if (this.providers.has(kind)) throw new RoutingError(RoutingErrorCode.badValueKind, `value kind ${kind} already has a provider`)
    this.providers.set(kind, provider)
  }

  /** A peer the link layer has authenticated (or that answered us), with its RTT if measured. */
  onContactSeen (contact: Contact, rttMs?: number): void {
    if (rttMs !== undefined) this.rtt.observe(contact.id.toString('hex'), rttMs)
    this.learn(rttMs !== undefined ? { ...contact, rttMs } : contact)
  }

  async findNode (target: Buffer, opts: FindOptions = {}): Promise<LookupResult> {
    return await this.lookup(target, 0, opts)
  }

  async findValue (target: Buffer, kind: number, opts: FindValueOptions = {}): Promise<LookupResult> {
    const provider = this.providers.get(kind)
    const local = provider !== undefined ? await provider.get(target) : undefined
    if (local !== undefined) {
      return { target, kind, closest: [], value: local, valueFrom: this.port.self, notFound: 0, hops: 0, foundMs: 0, elapsedMs: 0, queried: 0, answered: 0, failed: 0, slow: 0, lying: 0 }
    }
    const validate = provider?.validate
    const result = await this.lookup(target, kind, opts, validate !== undefined ? v => validate(target, v) : undefined, opts.notFoundStop)
    if (result.value !== undefined && opts.cacheAlongPath !== false && result.cacheCandidate !== undefined) {
      this.offerCache(result.cacheCandidate, target, kind, result.value)
    }
    return result
  }

  /**
   * Joins the network from endpoints (config file, flag) or contacts (LMDB
   * memory): pings each, learns who answered, looks up our own id to meet our
   * neighbours, then looks up one random id per level to fill farther buckets.
   */
  async bootstrap (seeds: Array<Endpoint | Contact>, opts: { signal?: AbortSignal, refreshLevels?: boolean } = {}): Promise<BootstrapReport> {
    this.checkRunning()
    for (const s of seeds) if (!this.seeds.includes(s)) this.seeds.push(s)
    // The best remembered peers join the configured seeds (a bounded number: this is a burst of pings).
    const all = [...seeds, ...(this.options.memory?.load(32) ?? [])]
    const answers = await Promise.all(all.map(async s => {
      const to = isContact(s) ? s : makeContact(Buffer.alloc(0), s)
      // A seed gets a few tries: one lost datagram must not make a join fail.
      for (let attempt = 0; attempt < 3; attempt++) {
        if (await this.ping(to, opts.signal, this.rtt.softTimeout(to.id.toString('hex')) * (attempt + 1))) return true
        if (opts.signal?.aborted === true) return false
      }
      return false
    }))
    const reached = answers.filter(a => a).length
    if (this.table.size === 0) {
      throw new RoutingError(RoutingErrorCode.bootstrapFailed, `bootstrap: none of ${all.length} seeds answered; check the bootstrap list and the network`)
    }
    await this.lookup(this.port.self.id, 0, { signal: opts.signal }, undefined, undefined, 1)
    if (opts.refreshLevels !== false) {
      const targets: Buffer[] = []
      for (let level = 0; level < this.table.deepestLevel(); level++) {
        targets.push(randomIdInBucket(this.port.self.id, { level, sub: 0 }, 0, this.options.randomBytes(ID_BYTES)))
      }
      // alpha lookups at a time: a join takes a few round trips, not one lookup per level in turn.
      for (let i = 0; i < targets.length; i += this.options.alpha) {
        await Promise.all(targets.slice(i, i + this.options.alpha).map(async t => await this.lookup(t, 0, { signal: opts.signal }, undefined, undefined, 1).catch(() => undefined)))
      }
    }
    return { reached, contacts: this.table.size }
  }

  /** Refreshes stale buckets; re-bootstraps when the table has (nearly) emptied, e.g. after a long outage. */
  async refresh (signal?: AbortSignal): Promise<void> {
    this.checkRunning()
    if (this.table.size < this.options.minContacts && this.seeds.length + (this.options.memory !== undefined ? 1 : 0) > 0) {
      await this.bootstrap(this.seeds, { signal, refreshLevels: false }).catch(() => undefined)
    }
    const now = this.port.now()
    const subBits = this.table.options.subBucketBits
    for (const ref of this.table.staleBuckets(now)) {
      if (signal?.aborted === true || this.stopped) return
      const target = randomIdInBucket(this.port.self.id, ref, subBits, this.options.randomBytes(ID_BYTES))
      await this.lookup(target, 0, { signal }, undefined, undefined, 1).catch(() => undefined)
    }
    await this.options.memory?.save(this.table.all()).catch(() => undefined)
  }

  start (): void {
    this.checkRunning()
    if (this.cancelRefresh !== undefined) return
    const tick = (): void => {
      this.cancelRefresh = this.options.clock.setTimer(this.options.refreshCheckMs, () => {
        this.refresh().catch(() => undefined).finally(() => { if (!this.stopped) tick() })
      })
    }
    tick()
  }

  async stop (): Promise<void> {
    if (this.stopped) return
    this.stopped = true
    this.cancelRefresh?.()
    for (const c of this.running) c.abort()
    await this.options.memory?.save(this.table.all()).catch(() => undefined)
  }

  /**
   * `paths`: disjoint paths (default disjointPaths). Joining and bucket refresh
   * use one: they look up to meet nodes, and a path an attacker captured there
   * costs a few contacts, not an answer.
   */
  private async lookup (target: Buffer, kind: number, opts: FindOptions, acceptValue?: (v: Buffer) => boolean, notFoundStop?: NotFoundStop, paths = this.options.disjointPaths): Promise<LookupResult> {
    this.checkRunning()
    if (target.length !== ID_BYTES) throw new RangeError('dht: target must be 32 bytes')
    const ctl = new AbortController()
    const onAbort = (): void => { ctl.abort() }
    opts.signal?.addEventListener('abort', onAbort, { once: true })
    if (opts.signal?.aborted === true) ctl.abort()
    this.running.add(ctl)
    try {
      const result = await runLookup({
        target,
        kind,
        seeds: this.table.closest(target, this.options.k),
        query: async (c, req, signal) => await this.query(c, req, signal),
        clock: this.options.clock,
        rtt: this.rtt,
        self: this.port.self.id,
        k: this.options.k,
        alpha: this.options.alpha,
        acceptValue,
        notFoundStop,
        failureRate: this.failureRate,
        roundTrips: roundTripsTo,
        paths,
        signal: ctl.signal,
        onProgress: opts.onProgress
      })
      this.failureRate = updateFailureRate(this.failureRate, result)
      this.table.touch(target, this.port.now())
      return result
    } finally {
      this.running.delete(ctl)
      opts.signal?.removeEventListener('abort', onAbort)
    }
  }

  /** One FIND_NODE / FIND_VALUE exchange, as the lookup runner asks for it. */
  private async query (to: Contact, req: LookupRequest, signal: AbortSignal): Promise<QueryResult> {
    const { wantKeys, wantNonces } = this.options
    const payload = encodeRoutingMessage({ type: 'find', request: { ...req, wantKeys, wantNonces: wantKeys && wantNonces } })
    const started = this.port.now()
    let reply: RoutingMessage | undefined
    try {
      const bytes = await this.port.send(to, payload, { timeoutMs: this.rtt.hardTimeout(to.id.toString('hex')) * roundTripsTo(to), signal })
      reply = tryDecode(decodeRoutingMessage, bytes)
    } catch (err) {
      // A request cancelled because the lookup finished says nothing about the peer.
      if (!(signal.aborted && signal.reason === LOOKUP_FINISHED)) this.failed(to)
      throw err
    }
    const ok = reply !== undefined && (
      (req.kind === 0 && reply.type === 'nodes') ||
      (req.kind !== 0 && (reply.type === 'notFoundCount' || (reply.type === 'value' && reply.kind === req.kind))))
    if (!ok || reply === undefined) {
      this.failed(to)
      throw new RoutingError(RoutingErrorCode.badReply, 'dht: malformed or mismatched reply')
    }
    this.answered(to, this.port.now() - started)
    if (reply.type === 'value') return { contacts: [], value: reply.value }
    const wire = reply.type === 'nodes' || reply.type === 'notFoundCount' ? reply.contacts : []
    const contacts: Contact[] = []
    let conflicts = 0
    for (const w of wire) {
      const c = contactFromWire(w)
      // An unusable contact becomes an empty id, which the runner drops and counts as lying.
      if (c === undefined) { contacts.push(makeContact(Buffer.alloc(0), w.endpoint)); continue }
      // Not a lie (an honest peer may know LAN nodes), but not ours to follow either.
      if (!this.options.allowPrivateEndpoints && !isPublicEndpoint(c.endpoint)) continue
      if (this.contradicts(c)) { conflicts++; contacts.push(makeContact(Buffer.alloc(0), w.endpoint)); continue }
      contacts.push(c)
    }
    if (conflicts > 0) this.penalise(to)
    return { contacts, notFound: reply.type === 'notFoundCount' ? reply.notFound : undefined }
  }

  /**
   * A contact from a reply that names a node we hold, and heard from lately
   * over an authenticated exchange, at another address. Nodes do move, but
   * one that moved within `questionableAfterMs` would have reached us from its
   * new address; a reply that says otherwise is a lie (or badly stale), and
   * following it would send our requests to an address the replier chose.
   * Another port at the same address is not held against the replier: a NAT
   * may map the node to a different port toward each peer. (Such a contact is
   * still followed only as a claim: see answered() and failed().)
   */
  private contradicts (c: Contact): boolean {
    const held = this.table.get(c.id)
    if (held === undefined || held.endpoint.address === c.endpoint.address) return false
    return held.failures === 0 && this.port.now() - held.lastSeen < this.table.options.questionableAfterMs
  }

  /**
   * The penalty for a reply that contradicted what we know: the replier loses its
   * place in the table (it is no longer asked, nor handed out to others) until
   * it contacts us again; the lookup counts the contradicting contacts as lies.
   */
  private penalise (liar: Contact): void {
    if (liar.id.length === ID_BYTES) this.table.remove(liar.id)
  }

  /**
   * `to` answered a request. The id is proven (the link authenticated it), but
   * the endpoint in `to` may be someone else's claim: take the endpoint of the
   * authenticated session when the port knows it, else keep the one we hold, and
   * only for a node we do not hold take the endpoint we reached it at.
   */
  private answered (to: Contact, rttMs: number): void {
    const proven = to.id.length === ID_BYTES ? this.port.endpointOf?.(to.id) : undefined
    const held = this.table.get(to.id)
    this.learn({ ...to, endpoint: proven ?? held?.endpoint ?? to.endpoint, rttMs })
  }

  /** PINGs a contact (or a bare endpoint); true if it answered with a valid PONG. */
  private async ping (to: Contact, signal?: AbortSignal, timeoutMs?: number): Promise<boolean> {
    const started = this.port.now()
    try {
      const bytes = await this.port.send(to, encodeRoutingMessage({ type: 'ping' }), { timeoutMs: timeoutMs ?? this.rtt.hardTimeout(to.id.toString('hex')), signal })
      const m = tryDecode(decodeRoutingMessage, bytes)
      if (m?.type !== 'pong') throw new RoutingError(RoutingErrorCode.badReply, 'dht: ping answered without a pong')
      const c = contactFromWire(m.self)
      if (c === undefined || (to.id.length === ID_BYTES && !c.id.equals(to.id))) {
        throw new RoutingError(RoutingErrorCode.badReply, 'dht: pong from a different or invalid node')
      }
      const rttMs = this.port.now() - started
      this.rtt.observe(c.id.toString('hex'), rttMs)
      this.answered({ ...c, endpoint: to.endpoint }, rttMs)
      return true
    } catch {
      if (to.id.length === ID_BYTES) this.failed(to)
      return false
    }
  }

  private learn (contact: Contact): void {
    this.handleAdd(this.table.add(contact, this.port.now()))
  }

  /** A request to c failed: counted against the contact we hold only if it is at the endpoint that failed. */
  private failed (c: Contact): void {
    if (c.id.length === ID_BYTES) this.table.markFailed(c.id, this.port.now(), c.endpoint)
  }

  /** Carries out the table's ping-before-evict requests, a bounded number at a time. */
  private handleAdd (r: AddResult): void {
    if (r.kind !== 'ping') return
    if (this.pings >= this.options.maxConcurrentPings || this.stopped) {
      // Too busy to check: keep the long-lived contact, as Kademlia would on a successful ping.
      this.table.resolvePing(r.oldest.id, true, this.port.now())
      return
    }
    this.pings++
    const oldest = r.oldest
    this.ping(oldest).then(alive => {
      this.pings--
      this.table.resolvePing(oldest.id, alive, this.port.now())
    }, () => { this.pings-- })
  }

  private offerCache (to: Contact, target: Buffer, kind: number, value: Buffer): void {
    if (value.length > MAX_VALUE_BYTES) return
    const payload = encodeRoutingMessage({ type: 'cacheValue', target, kind, value })
    this.port.send(to, payload, { timeoutMs: this.rtt.hardTimeout(to.id.toString('hex')) }).catch(() => undefined)
  }

  private checkRunning (): void {
    if (this.stopped) throw new RoutingError(RoutingErrorCode.stopped, 'dht: used after stop()')
  }
}

function isContact (s: Endpoint | Contact): s is Contact {
  return (s as Contact).id !== undefined
}
