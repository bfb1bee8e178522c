import type { Duplex } from 'node:stream'
import type { Dht } from '../routing/dht.js'
import { makeContact, type Contact } from '../routing/contact.js'
import type { Link } from '../link/link.js'
import type { PeerAddress, PeerInfo } from '../link/types.js'
import type { ValueProvider as DhtValueProvider } from '../routing/value-provider.js'
import type { ClosestOptions, FindValueOptions, FoundValue, ServiceHandler, ServiceNetwork, ValueProvider } from './service-network.js'
import type { Introducer } from '../wire/punch-messages.js'
import { adaptiveRequestTimeoutMs, contactsListener } from './lookup-feedback.js'

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
}

export class LinkServiceNetwork implements ServiceNetwork {
  private readonly handlers = new Map<string, ServiceHandler>()
  private nat?: NatTraversal

  constructor (private readonly link: Link, private readonly dht: Dht) {}

  /** Set once the node's punch service exists (it is built on the same link, after this). */
  useNatTraversal (nat: NatTraversal): void { this.nat = nat }

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
    return await this.link.request(await this.reachable(to, opts.signal), service, payload, opts)
  }

  async openStream (to: Contact, service: string, opts: { signal?: AbortSignal } = {}): Promise<Duplex> {
    return await this.link.openStream(await this.reachable(to, opts.signal), service, opts)
  }

  /**
   * Where to send to `to`. A contact that names introducers sits behind a NAT: unless a session
   * is already open (it may have opened one to us), try its endpoint directly for a short while,
   * then punch through an introducer and use the session that opened. If punching fails the error
   * propagates (a relay fallback over RelayTransport is not wired here yet).
   */
  private async reachable (to: Contact, signal?: AbortSignal): Promise<PeerAddress> {
    const addr = addressOf(to)
    const nat = this.nat
    if (nat === undefined || to.introducers === undefined || to.introducers.length === 0 || to.id.length !== 32) return addr
    if (this.link.sessions().some(p => p.id.equals(to.id))) return addr
    if (await openWithin(this.link, addr, nat.directMs ?? 1500)) return addr
    const peer = await nat.punch({ id: to.id, publicKey: to.publicKey }, to.introducers.map(i => ({ id: i.id, endpoint: i.endpoint })), { signal })
    return { endpoint: peer.endpoint, id: peer.id, publicKey: peer.publicKey }
  }

  registerService (service: string, handler: ServiceHandler): void {
    this.handlers.set(service, handler)
    this.link.registerService(service, {
      onRequest: handler.onRequest === undefined
        ? undefined
        : async (peer, payload, signal) => await handler.onRequest!(payload, { from: contactOfPeer(peer), signal }),
      onStream: handler.onStream === undefined
        ? undefined
        : (peer, stream) => handler.onStream!(stream, { from: contactOfPeer(peer), signal: new AbortController().signal })
    })
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
