import type { Duplex } from 'node:stream'
import type { Contact } from '../routing/contact.js'
import type { NotFoundStop } from '../routing/lookup-types.js'

/**
 * What a service (chunks, kv, names, mail, radio, ...) needs from the network:
 * the k closest nodes to a key, a generic FIND_VALUE that stops at the first
 * node holding a value, and request/response + streams to a chosen contact on
 * the service's own channel. The node implements it over the DHT and the
 * link layer; tests implement it in memory (test/helpers/memory-service-network.ts),
 * so every service runs on many in-process nodes before it runs on UDP.
 */
export interface ServiceRequestContext {
  /** The authenticated peer that sent the request. */
  from: Contact
  signal: AbortSignal
}

export interface ServiceHandler {
  onRequest? (payload: Buffer, ctx: ServiceRequestContext): Promise<Uint8Array>
  /** A reliable in-order byte stream the peer opened on this service. */
  onStream? (stream: Duplex, ctx: ServiceRequestContext): void
}

export interface ValueProvider {
  /** A value for `key` held locally, or undefined (then the miss is counted). */
  get (key: Buffer): Uint8Array | undefined | Promise<Uint8Array | undefined>
  /** Someone asked for a key we lack; `notFound` is how often it has been asked. */
  onMiss? (key: Buffer, from: Contact, notFound: number): void
  /** Checks a value a lookup brought back (hash, signature) before it is accepted. */
  validate? (key: Buffer, value: Buffer): boolean
  /** A lookup offers a value to cache here (along the lookup path); true when kept. */
  cache? (key: Buffer, value: Buffer, from: Contact): boolean | Promise<boolean>
}

export interface FoundValue {
  value: Buffer
  from: Contact
}

/** How a FIND_VALUE that brought back no value ended. */
export interface ValueMiss {
  /** The highest not-found count a node that lacked the value reported. */
  notFound: number
  /** The lookup ended on notFoundStop, before the k closest had all answered. */
  stoppedEarly: boolean
}

export interface FindValueOptions {
  signal?: AbortSignal
  /**
   * Stop once `quorum` of the closest nodes that answered report at least
   * `count` distinct askers who missed the key (the seed's early stop; see
   * LookupOptions.notFoundStop). Off when absent.
   */
  notFoundStop?: NotFoundStop
  /** Called once when the lookup ends without a value (not when it fails or is aborted). */
  onNoValue?: (miss: ValueMiss) => void
}

export interface ClosestOptions {
  signal?: AbortSignal
  count?: number
  onContacts?: (contacts: Contact[]) => void
}

export interface ServiceNetwork {
  readonly self: Contact
  /**
   * Iterative lookup: the k closest live nodes to `key`, nearest first.
   * `onContacts` hears the contacts each answering peer names while the lookup
   * runs, so a reader can ask replicas before the lookup settles (optional:
   * a network without it simply never calls it).
   */
  closest (key: Buffer, opts?: ClosestOptions): Promise<Contact[]>
  /**
   * Iterative FIND_VALUE for a value kind (one byte, registered by a service);
   * resolves with the first value found, or undefined with the lookup done.
   */
  findValue (key: Buffer, kind: number, opts?: FindValueOptions): Promise<FoundValue | undefined>
  /**
   * The `count` nodes nearest `key` that this node already knows (its routing table; no traffic),
   * nearest first, never itself. A replica asks it to tell whether a STORE is for a key it is near.
   * Optional for test networks; without it a service cannot tell and takes every store.
   */
  nearest? (key: Buffer, count: number): Contact[]
  request (to: Contact, service: string, payload: Uint8Array, opts?: { signal?: AbortSignal, timeoutMs?: number }): Promise<Buffer>
  /**
   * How long a request to `to` may take before a reader should give up on it
   * and ask another replica: learned from this node's measured round trips
   * (routing/request-timeouts.ts), so one lost datagram costs a few RTTs, not
   * a fixed 5 s. Optional; without it a reader uses its own fixed time-out.
   */
  requestTimeoutMs? (to: Contact): number
  /** A reliable in-order byte stream (backpressure, end/destroy like a socket) to `to` on `service`. */
  openStream (to: Contact, service: string, opts?: { signal?: AbortSignal }): Promise<Duplex>
  registerService (service: string, handler: ServiceHandler): void
  registerValueProvider (kind: number, provider: ValueProvider): void
}

/** Value kinds carried by FIND_VALUE (one byte on the wire). */
export const VALUE_KIND = {
  chunkProviders: 1,
  kvRecord: 2,
  nameRecord: 3,
  mailbox: 4,
  station: 5
} as const
