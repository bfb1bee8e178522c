import type { Contact } from '../../../routing/contact.js'
import type { ServiceNetwork } from '../../service-network.js'
import type { BanList } from '../ban-list.js'
import type { ChunkCrypto } from '../crypto-pool.js'
import type { ProviderFinderDeps } from '../provider-finder.js'
import type { ProviderHints } from '../provider-hints.js'
import type { SliceStreamPool } from '../stream-pool.js'

/** The store calls a download makes: the local copy first, the cache for what was fetched. */
export interface DownloadStore {
  get: (id: Uint8Array) => Buffer | undefined
  putCache: (id: Uint8Array, bytes: Uint8Array) => Promise<boolean>
  /** putCache for bytes whose SHA-256 the caller has just checked against `id` (no re-hash, no copy). */
  putCacheVerified?: (id: Uint8Array, bytes: Buffer) => Promise<boolean>
}

export interface DownloadCounters {
  localHits: number
  downloads: number
  downloadFailures: number
  bytesDownloaded: number
  badSlices: number
  slowPeers: number
  unreachablePeers: number
  descriptorLies: number
  bans: number
  cacheFailures: number
  /** Downloads served by the peers of the blob's previous part, without a provider lookup. */
  hintedDownloads: number
}

/** What the chunk service gives every download: its components, bounds and counters. */
export interface DownloaderDeps {
  network: ServiceNetwork
  store: DownloadStore
  finder: ProviderFinderDeps
  bans: BanList
  selfId: Buffer
  maxParallelProviders: number
  pipelineDepth: number
  sliceTimeoutMs: number
  requestTimeoutMs: number
  maxAttempts: number
  cacheDownloads: boolean
  /** Called (not awaited) once a downloaded chunk is cached here. */
  onCached: (id: Buffer) => void
  /**
   * Content a peer served: the bytes of its slices, told once the whole chunk
   * has checked out against its id (a slice that matches a peer's own
   * descriptor proves nothing until then). Junk never reaches it.
   */
  onContent?: (peer: Contact, bytes: number, chunkId: Buffer, elapsedMs: number) => void
  counters: DownloadCounters
  /** Aborted when the service stops. */
  lifetime: AbortSignal
  /** Hashes (and, for downloadPlain, decrypts) whole chunks off the main thread. */
  crypto: Pick<ChunkCrypto, 'sha256'> & Partial<Pick<ChunkCrypto, 'openChunk' | 'scratch' | 'release'>>
  /** Slice streams kept open between downloads. */
  streams: SliceStreamPool
  /** Who served the other parts of a blob. */
  hints: ProviderHints
}
