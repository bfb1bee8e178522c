import type { Identity } from '../../identity/identity.js'
import type { Contact } from '../../routing/contact.js'
import { createChunkService, type ChunkService, type ChunkServiceStore } from '../chunks/chunk-service.js'
import type { ChunkCrypto } from '../chunks/crypto-pool.js'
import { ContentLibrary } from '../content/content-library.js'
import { MemoryLocationIndex } from '../content/location-index.js'
import type { NamesService } from '../names/names-service.js'
import type { ServiceNetwork } from '../service-network.js'
import { RemoteServiceNetwork } from './remote-network.js'
import { TunnelError, TunnelErrorCode } from './errors.js'
import type { Circuit } from './tunnel-api.js'

/**
 * Content read through a circuit: a fetch-only chunk service and a content
 * library over a RemoteServiceNetwork, so provider lookups (FIND_VALUE,
 * GET_PROVIDERS), descriptor requests and slice streams all run at the
 * circuit's exit, and the providers see the exit's id, never this node's.
 *
 * What stays here: the node's own store answers first (content published or
 * cached here is read without traffic), and decryption runs on the node's
 * crypto pool. What never happens: a chunk fetched this way is not cached or
 * announced, nothing is registered on the network, so no one can learn what
 * this node read by asking it for the chunk afterwards.
 *
 * The gateway reads it with the same calls as node.content (stat/list/read).
 */
export interface AnonymousContentOptions {
  /** This node (services see it as themselves; it never reaches the exit). */
  self: Contact
  identity: Identity
  /** The node's chunk store: read first, never written. */
  store: ChunkServiceStore
  crypto: Pick<ChunkCrypto, 'sha256'> & Partial<ChunkCrypto>
  /** The circuit for the next operation (the tunnel service's circuitFor(hops, isolation)). */
  circuit: (signal?: AbortSignal) => Promise<Circuit>
  minRank?: number
  allowPrivateEndpoints?: boolean
  /** The clock provider records' expiry is read against (tests). */
  now?: () => number
  /**
   * A name reader over the same circuit (the node's names service made on `network`): .tor-net
   * names looked up for this reader's requests go through its circuit too. Whatever it registers
   * goes nowhere (the remote network keeps only its value checks).
   */
  names?: (network: ServiceNetwork) => NameReader
}

/** What an anonymous reader needs of a names service. */
export type NameReader = Pick<NamesService, 'lookup' | 'start' | 'stop'>

export class AnonymousContent {
  readonly network: RemoteServiceNetwork
  readonly chunks: ChunkService
  readonly content: ContentLibrary
  readonly names?: NameReader

  constructor (o: AnonymousContentOptions) {
    this.network = new RemoteServiceNetwork({ self: o.self, circuit: o.circuit })
    // Writes never happen (fetchOnly caches nothing); a store that refuses them makes sure.
    const store: ChunkServiceStore = {
      has: (id) => o.store.has(id),
      get: (id) => o.store.get(id),
      withRange: o.store.withRange.bind(o.store),
      ids: (placement) => o.store.ids(placement),
      noteMissing: () => 0,
      putCache: async () => false
    }
    this.chunks = createChunkService({
      network: this.network,
      store,
      identity: o.identity,
      crypto: o.crypto,
      minRank: o.minRank,
      allowPrivateEndpoints: o.allowPrivateEndpoints,
      fetchOnly: true,
      now: o.now,
      cacheOnDemand: false
    })
    this.content = new ContentLibrary({
      source: this.chunks.source,
      crypto: o.crypto as ConstructorParameters<typeof ContentLibrary>[0]['crypto'],
      sink: { put: async () => { throw new TunnelError(TunnelErrorCode.INVALID_ARGUMENT, 'anonymous content is read-only: publish with the node') } },
      index: new MemoryLocationIndex()
    })
    this.chunks.start()
    this.names = o.names?.(this.network)
    this.names?.start()
  }

  stat: ContentLibrary['stat'] = async (reference, path, signal) => await this.content.stat(reference, path, signal)
  list: ContentLibrary['list'] = (reference, path, signal) => this.content.list(reference, path, signal)
  read: ContentLibrary['read'] = (reference, path, range, signal, opts) => this.content.read(reference, path, range, signal, opts)

  async stop (): Promise<void> { await Promise.allSettled([this.chunks.stop(), this.names?.stop()]) }
}

/**
 * The anonymous readers of one node, one per (hops, isolation): each rides
 * its own circuit (Tor's IsolateSOCKSAuth: distinct tags never share one).
 * At most `max` are kept; the least recently used is stopped beyond that.
 */
export class AnonymousReaders {
  private readonly readers = new Map<string, AnonymousContent>()

  constructor (private readonly make: (hops: number, isolation: string) => AnonymousContent, private readonly max = 32) {}

  get (hops: number, isolation: string): AnonymousContent {
    const key = `${hops}\0${isolation}`
    let r = this.readers.get(key)
    if (r !== undefined) {
      this.readers.delete(key)
      this.readers.set(key, r)
      return r
    }
    r = this.make(hops, isolation)
    this.readers.set(key, r)
    while (this.readers.size > this.max) {
      const [oldKey, old] = this.readers.entries().next().value as [string, AnonymousContent]
      this.readers.delete(oldKey)
      void old.stop()
    }
    return r
  }

  async stop (): Promise<void> {
    const all = [...this.readers.values()]
    this.readers.clear()
    await Promise.allSettled(all.map(async r => { await r.stop() }))
  }
}
