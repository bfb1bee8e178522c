import type { Duplex } from 'node:stream'
import type { Dht } from '../routing/dht.js'
import { makeContact, type Contact } from '../routing/contact.js'
import type { Link } from '../link/link.js'
import type { PeerAddress, PeerInfo } from '../link/types.js'
import type { ValueProvider as DhtValueProvider } from '../routing/value-provider.js'
import type { ClosestOptions, FindValueOptions, FoundValue, ServiceHandler, ServiceNetwork, ValueProvider } from './service-network.js'
import { adaptiveRequestTimeoutMs, contactsListener } from './lookup-feedback.js'

/**
 * The real ServiceNetwork: lookups through the node's DHT, requests and
 * streams through its encrypted link. A contact with a known public key is
 * reached with the 0-RTT handshake; one without, by its endpoint alone.
 */
export class LinkServiceNetwork implements ServiceNetwork {
  private readonly handlers = new Map<string, ServiceHandler>()

  constructor (private readonly link: Link, private readonly dht: Dht) {}

  /** The handler this node registered for `service` (a circuit's exit serves itself with it: the link never links to itself). */
  handlerOf (service: string): ServiceHandler | undefined { return this.handlers.get(service) }

  get self (): Contact { return this.dht.self }

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
    return await this.link.request(addressOf(to), service, payload, opts)
  }

  async openStream (to: Contact, service: string, opts: { signal?: AbortSignal } = {}): Promise<Duplex> {
    return await this.link.openStream(addressOf(to), service, opts)
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
