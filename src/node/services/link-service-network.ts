import type { Duplex } from 'node:stream'
import type { Dht } from '../routing/dht.js'
import { makeContact, type Contact } from '../routing/contact.js'
import type { Link } from '../link/link.js'
import type { PeerAddress, PeerInfo, ServiceHandlers } from '../link/types.js'
import type { ValueProvider as DhtValueProvider } from '../routing/value-provider.js'
import type { ClosestOptions, FindValueOptions, FoundValue, ServiceHandler, ServiceNetwork, ValueProvider } from './service-network.js'
import type { Introducer } from '../wire/punch-messages.js'
import { adaptiveRequestTimeoutMs, contactsListener } from './lookup-feedback.js'
import { RelayError, RelayErrorCode } from './relay/errors.js'
import { LinkError, LinkErrorCode } from '../link/errors.js'

/**
 * The real ServiceNetwork: lookups through the node's DHT, requests and
 * streams through its encrypted link. A contact with a known public key is
 * reached with the 0-RTT handshake; one without, by its endpoint alone.
 */
/** How this node crosses NATs: its own introducers to publish, and punching to others through theirs. */
export interface NatTraversal {
  /** This node's introducers with an open session (empty when public): published in its provider records. */
  introducers: () => Introducer[]
  /** Opens a session to `target` through one of its introducers (punch service); rejects when punching fails. */
  punch: (target: { id: Buffer, publicKey?: Buffer }, introducers: readonly PeerAddress[], opts?: { signal?: AbortSignal }) => Promise<PeerInfo>
  /** How long a direct handshake to a contact with introducers may take before punching (default 1.5 s). */
  directMs?: number
  /** Sessions relayed end to end through the target's introducers, for when punching fails (services/relay). */
  relay?: RelayedSessions
  /**
   * Whether punching cannot work from this side (this node's NAT maps each peer to another port:
   * reachability "unreachable"), so a relay is dialled at once.
   */
  punchHopeless?: () => boolean
}

/** What LinkServiceNetwork needs of the relay client (relay-client.ts). */
export interface RelayedSessions {
  /** The link the relayed sessions run on; the services registered here are served on it too. */
  readonly link: Link
  sessionWith: (id: Buffer) => PeerAddress | undefined
  dial: (target: { id: Buffer, publicKey?: Buffer }, relays: readonly PeerAddress[], opts?: { signal?: AbortSignal }) => Promise<PeerAddress>
}

/** A link and the address to use on it. */
interface Route { link: Link, address: PeerAddress }

/** Targets that needed a relay remembered (bounded), so the next dial skips the direct try and punching. */
const MAX_RELAY_ONLY = 256
const RELAY_ONLY_MS = 10 * 60_000

export class LinkServiceNetwork implements ServiceNetwork {
  private readonly handlers = new Map<string, ServiceHandler>()
  /** The link-level handlers made from `handlers`, to register on the relayed link as well. */
  private readonly linkHandlers = new Map<string, ServiceHandlers>()
  private nat?: NatTraversal
  /** Dials in progress per target id: concurrent requests to a NATted node share one punch or relay dial. */
  private readonly dialing = new Map<string, Promise<Route>>()
  /** Target id → when it was last found to need a relay. */
  private readonly relayOnly = new Map<string, number>()
  /**
   * Told of every request this node made that got a reply, and every request it answered, with
   * both payloads: the accounting layer prices them (accounting/priced-exchange.ts). Must not throw.
   */
  onExchange?: (peerHex: string, service: string, role: 'asked' | 'answered', request: Uint8Array, reply: Uint8Array) => void

  constructor (private readonly link: Link, private readonly dht: Dht) {}

  /** Set once the node's punch service exists (it is built on the same link, after this). */
  useNatTraversal (nat: NatTraversal): void {
    this.nat = nat
    for (const [service, handlers] of this.linkHandlers) nat.relay?.link.registerService(service, handlers)
  }

  /** The handler this node registered for `service` (a circuit's exit serves itself with it: the link never links to itself). */
  handlerOf (service: string): ServiceHandler | undefined { return this.handlers.get(service) }

  get self (): Contact {
    // Behind a NAT the contact carries its introducers, so the provider records it signs name them.
    const introducers = this.nat?.introducers() ?? []
    return introducers.length === 0 ? this.dht.self : { ...this.dht.self, introducers }
  }

  async closest (key: Buffer, opts: ClosestOptions = {}): Promise<Contact[]> {
    const result = await this.dht.findNode(key, { signal: opts.signal, onProgress: contactsListener(opts.onContacts) })
    return opts.count === undefined ? result.closest : result.closest.slice(0, opts.count)
  }

  async findValue (key: Buffer, kind: number, opts: FindValueOptions = {}): Promise<FoundValue | undefined> {
    const result = await this.dht.findValue(key, kind, { signal: opts.signal, notFoundStop: opts.notFoundStop })
    if (result.value === undefined) {
      opts.onNoValue?.({ notFound: result.notFound, stoppedEarly: result.stoppedEarly === true })
      return undefined
    }
    return { value: result.value, from: result.valueFrom ?? this.dht.self }
  }

  nearest (key: Buffer, count: number): Contact[] {
    return this.dht.table.closest(key, count)
  }

  requestTimeoutMs (to: Contact): number {
    return adaptiveRequestTimeoutMs(this.dht, to)
  }

  async request (to: Contact, service: string, payload: Uint8Array, opts: { signal?: AbortSignal, timeoutMs?: number } = {}): Promise<Buffer> {
    const r = await this.reachable(to, opts.signal)
    const reply = await r.link.request(r.address, service, payload, opts)
    if (to.id.length === 32) this.onExchange?.(to.id.toString('hex'), service, 'asked', payload, reply)
    return reply
  }

  async openStream (to: Contact, service: string, opts: { signal?: AbortSignal } = {}): Promise<Duplex> {
    const r = await this.reachable(to, opts.signal)
    return await r.link.openStream(r.address, service, opts)
  }

  /**
   * Where to send to `to`. A session already open to its id is used (direct, or relayed end to
   * end). A contact that names introducers sits behind a NAT: its endpoint is tried directly for
   * a short while, then a session is punched through an introducer, and when punching fails (or
   * cannot work from here: this node's NAT maps each peer to another port) the introducers are
   * asked to relay (services/relay): the request then runs on the relayed link, still end to end.
   */
  private async reachable (to: Contact, signal?: AbortSignal): Promise<Route> {
    const direct: Route = { link: this.link, address: addressOf(to) }
    const nat = this.nat
    if (nat === undefined || to.id.length !== 32) return direct
    const relay = nat.relay
    const relayed = relay?.sessionWith(to.id)
    if (relayed !== undefined && !this.link.sessions().some(p => p.id.equals(to.id))) return { link: relay!.link, address: relayed }
    if (to.introducers === undefined || to.introducers.length === 0) return direct
    if (this.link.sessions().some(p => p.id.equals(to.id))) return direct
    const key = to.id.toString('hex')
    let dial = this.dialing.get(key)
    if (dial === undefined) {
      // Not bound to this caller's signal: others may wait on it (each dial step is bounded in time).
      dial = this.dialNatted(to, nat).finally(() => this.dialing.delete(key))
      this.dialing.set(key, dial)
    }
    return await untilAborted(dial, signal)
  }

  private async dialNatted (to: Contact, nat: NatTraversal): Promise<Route> {
    const direct: Route = { link: this.link, address: addressOf(to) }
    const key = to.id.toString('hex')
    const introducers = (to.introducers ?? []).map(i => ({ id: i.id, endpoint: i.endpoint }))
    const target = { id: to.id, publicKey: to.publicKey }
    const knownRelayOnly = this.needsRelay(key)
    if (!knownRelayOnly && await openWithin(this.link, direct.address, nat.directMs ?? 1500)) return direct
    let punchError: unknown
    // Without a relay client, punching is the only chance left even when it looks hopeless.
    if (!knownRelayOnly && (nat.relay === undefined || nat.punchHopeless?.() !== true)) {
      try {
        const peer = await nat.punch(target, introducers)
        return { link: this.link, address: { endpoint: peer.endpoint, id: peer.id, publicKey: peer.publicKey } }
      } catch (err) {
        if (nat.relay === undefined) throw err
        punchError = err
      }
    }
    if (nat.relay === undefined) throw new RelayError(RelayErrorCode.NO_RELAY, 'punching cannot work from behind this NAT, and this node has no relay client')
    try {
      const address = await nat.relay.dial(target, introducers)
      this.rememberRelayOnly(key)
      return { link: nat.relay.link, address }
    } catch (err) {
      this.relayOnly.delete(key)
      if (punchError !== undefined && err instanceof Error) err.message += ` (after punching failed: ${(punchError as Error).message})`
      throw err
    }
  }

  private needsRelay (key: string): boolean {
    const at = this.relayOnly.get(key)
    if (at === undefined) return false
    if (Date.now() - at <= RELAY_ONLY_MS) return true
    this.relayOnly.delete(key)
    return false
  }

  private rememberRelayOnly (key: string): void {
    this.relayOnly.delete(key)
    this.relayOnly.set(key, Date.now())
    while (this.relayOnly.size > MAX_RELAY_ONLY) this.relayOnly.delete(this.relayOnly.keys().next().value as string)
  }

  registerService (service: string, handler: ServiceHandler): void {
    this.handlers.set(service, handler)
    const handlers: ServiceHandlers = {
      onRequest: handler.onRequest === undefined
        ? undefined
        : async (peer, payload, signal) => {
          const reply = await handler.onRequest!(payload, { from: contactOfPeer(peer), signal })
          this.onExchange?.(peer.idHex, service, 'answered', payload, reply)
          return reply
        },
      onStream: handler.onStream === undefined
        ? undefined
        : (peer, stream) => handler.onStream!(stream, { from: contactOfPeer(peer), signal: new AbortController().signal })
    }
    this.linkHandlers.set(service, handlers)
    this.link.registerService(service, handlers)
    this.nat?.relay?.link.registerService(service, handlers)
  }

  registerValueProvider (kind: number, provider: ValueProvider): void {
    this.dht.registerValueProvider(kind, dhtValueProvider(provider))
  }
}

/** Whether link.connect opens within `ms` (the handshake may go on afterwards; its result is then ignored). */
async function openWithin (link: Link, to: PeerAddress, ms: number): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined
  try {
    return await Promise.race([
      link.connect(to).then(() => true, () => false),
      new Promise<boolean>(resolve => { timer = setTimeout(() => resolve(false), ms) })
    ])
  } finally {
    clearTimeout(timer)
  }
}

/** `p`, or a rejection as soon as `signal` aborts (`p` goes on). */
async function untilAborted<T> (p: Promise<T>, signal?: AbortSignal): Promise<T> {
  if (signal === undefined) return await p
  if (signal.aborted) throw new LinkError(LinkErrorCode.ABORTED, 'aborted')
  let onAbort: (() => void) | undefined
  try {
    return await Promise.race([p, new Promise<never>((_resolve, reject) => {
      onAbort = () => reject(new LinkError(LinkErrorCode.ABORTED, 'aborted'))
      signal.addEventListener('abort', onAbort, { once: true })
    })])
  } finally {
    if (onAbort !== undefined) signal.removeEventListener('abort', onAbort)
  }
}

/** A service's value provider as the DHT takes it (values as Buffers). */
export function dhtValueProvider (provider: ValueProvider): DhtValueProvider {
  return {
    get: async (key) => { const v = await provider.get(key); return v === undefined ? undefined : Buffer.from(v.buffer, v.byteOffset, v.length) },
    onMiss: provider.onMiss?.bind(provider),
    validate: provider.validate?.bind(provider),
    cache: provider.cache?.bind(provider)
  }
}

export function addressOf (c: Contact): PeerAddress {
  const addr: PeerAddress = { endpoint: c.endpoint }
  if (c.publicKey !== undefined && c.publicKey.length === 32) addr.publicKey = c.publicKey
  if (c.id.length === 32) addr.id = c.id
  return addr
}

export function contactOfPeer (peer: PeerInfo, now = Date.now()): Contact {
  return makeContact(peer.id, peer.endpoint, {
    publicKey: peer.publicKey,
    nonce: peer.nonce,
    rank: peer.rank,
    rttMs: peer.rttMs,
    lastSeen: now,
    connectedSince: now
  })
}
