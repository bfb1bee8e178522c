import type { Identity } from '../../identity/identity.js'
import type { Contact } from '../../routing/contact.js'
import type { NotFoundStop } from '../../routing/lookup-types.js'
import type { ChunkStore } from '../../store/chunk-store.js'
import type { ServiceNetwork } from '../service-network.js'
import type { CacheOnDemandOptions } from './cache-on-demand.js'
import type { ServeGate } from './serve-gate.js'
import type { ChunkCrypto } from './crypto-pool.js'
import type { HostTableStore } from './host-table.js'
import type { SellOptions } from './sell-policy.js'

/** The store calls the chunk service makes (the node's ChunkStore; tests may give less). */
export type ChunkServiceStore = Pick<ChunkStore, 'has' | 'get' | 'withRange' | 'putCache' | 'noteMissing' | 'ids'> &
  Partial<Pick<ChunkStore, 'putCacheVerified' | 'quotePaid' | 'putPaid' | 'sizeOf' | 'cacheLimit'>>

/** What createChunkService is given: its components, then its bounds and timings. */
export interface ChunkServiceOptions {
  network: ServiceNetwork
  store: ChunkServiceStore
  identity: Identity
  now?: () => number
  /** Providers a download takes slices from at once. Default 3. */
  maxParallelProviders?: number
  /** Slice requests in flight per provider. Default 4 (256 KiB). */
  pipelineDepth?: number
  /** A provider that sends nothing for this long while asked is dropped and its slices go elsewhere. Default 10 s. */
  sliceTimeoutMs?: number
  requestTimeoutMs?: number
  /** Descriptors tried (from different providers) before a download without one gives up. Default 3. */
  maxAttempts?: number
  /** Lifetime of this node's provider records. Default 3 hours. */
  providerTtlMs?: number
  /** How often everything held is announced again. Default 1 hour. */
  republishIntervalMs?: number
  /** Closest nodes that receive each record; default the network's k. */
  announceCount?: number
  banMs?: number
  maxBans?: number
  /** Provider records held for others: in all, per chunk, per provider (provider-records.ts). */
  maxRecords?: number
  maxRecordsPerChunk?: number
  maxRecordsPerProvider?: number
  /** Providers below this rank are ignored (the link refuses them anyway). Default 0. */
  minRank?: number
  /** Use and keep records naming loopback, private or multicast endpoints (a LAN, test networks). Default false. */
  allowPrivateEndpoints?: boolean
  /**
   * The `count` contacts nearest `key` in this node's own routing table (no
   * traffic): records are kept only for ids this node is among the
   * `nearCount` closest to, as far as it knows. Absent: every id counts as near.
   */
  localClosest?: (key: Buffer, count: number) => Contact[]
  /** Default 20 (the k of the DHT, the nodes an announcement goes to). */
  nearCount?: number
  /** Slice streams served at once. Default 64. */
  maxServeStreams?: number
  /** Slice requests that may wait per stream. Default 32. */
  maxQueuedRequests?: number
  /** A served stream with no traffic for this long is dropped. Default 30 s. */
  streamIdleMs?: number
  /**
   * Content a peer served this node: slice bytes of a chunk that checked out
   * against its id (junk earns nothing). The node ranks peers in their
   * k-buckets by it.
   */
  onVerifiedContent?: (peer: Contact, bytes: number, chunkId: Buffer, elapsedMs: number) => void
  /** This node's experience with a peer (its routing-table contact), for the standing of cache on demand. */
  peerHistory?: (id: Buffer) => Pick<Contact, 'contentProvided' | 'paymentsMade'> | undefined
  /** Cache what this node downloads (and so serve it). Default true. */
  cacheDownloads?: boolean
  /**
   * A reader only (anonymous fetching over a circuit's network): start() registers no handler
   * and no value provider and runs no republisher, and downloads are neither cached nor
   * announced, so nothing fetched this way can be traced back to this node by asking it.
   * The local store still answers first. Default false.
   */
  fetchOnly?: boolean
  /** Default enabled with the defaults above; false turns it off. */
  cacheOnDemand?: false | CacheOnDemandOptions
  /** Providers per chunk checkAvailability aims for. Default 3. */
  availabilityTarget?: number
  /** Closest nodes asked with GET_PROVIDERS when FIND_VALUE finds nothing. Default 8, 3 at a time. */
  fallbackQueries?: number
  fallbackParallel?: number
  /**
   * The seed's early stop for provider lookups: a download's FIND_VALUE ends,
   * without the GET_PROVIDERS fallback, once `quorum` of the closest nodes that
   * answered each report at least `count` distinct peers who asked them for the
   * chunk in vain (within the DHT's demand half-life, an hour). Default
   * { count: 8, quorum: 3 }; false turns it off.
   */
  notFoundStop?: false | NotFoundStop
  /**
   * Where whole-chunk hashes (and a reader's decryption) run: the worker pool (crypto-pool.ts)
   * that whoever builds the node creates and closes.
   */
  crypto: Pick<ChunkCrypto, 'sha256'> & Partial<ChunkCrypto>
  /** Credit lines, priority under load and charges for served slices (accounting/serve-gate.ts). */
  serveGate?: ServeGate
  /** What this node sells: bandwidth, id range, least popularity, storage price (sell-policy.ts). */
  sell?: SellOptions
  /** The publisher's host tracking (host-tracker.ts) and the price it pays for places. */
  publishing?: PublishingOptions
  /** Paid places: whether a publisher is within its credit line here (absent: always). */
  canCharge?: (from: Contact) => boolean
  /** Paid places this node sold (host) and bought (publisher): book `credit` for `bytes`. */
  onStorageSold?: (from: Contact, chunkId: Buffer, bytes: number, credit: number) => void
  onStorageBought?: (host: Contact, chunkId: Buffer, bytes: number, credit: number) => void
  /**
   * A paid place's pull is about to happen between this node and `peer` (the host, as the
   * publisher offers; the publisher, as the host pulls): the place's price pays for its slices.
   */
  onPaidPull?: (peer: Contact, chunkId: Buffer) => void
}

export interface PublishingOptions {
  /** Where the hosts of published chunks are kept (the node's LMDB local table); absent: in memory. */
  table?: HostTableStore
  /** Hosts wanted per published chunk besides this node. Default 3. */
  replicas?: number
  /** Most credit this node pays one host for a chunk's week; 0 (default): it never pays. */
  maxPrice?: number
  /** How often published chunks are checked. Default 1 hour. */
  checkIntervalMs?: number
}
