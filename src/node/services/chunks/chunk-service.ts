import { setMaxListeners } from 'node:events'
import type { Duplex } from 'node:stream'
import type { Identity } from '../../identity/identity.js'
import type { Contact } from '../../routing/contact.js'
import type { NotFoundStop } from '../../routing/lookup-types.js'
import { compareDistance } from '../../routing/distance.js'
import type { ChunkStore } from '../../store/chunk-store.js'
import type { ChunkSource } from '../fs/chunk-fetcher.js'
import { type ServiceNetwork, VALUE_KIND } from '../service-network.js'
import { type Availability, type AvailabilityOptions, Announcer, type AnnounceCounters, type PublishOptions, type PublishResult } from './announcer.js'
import { BanList, DEFAULT_BAN_CAPACITY, DEFAULT_BAN_MS } from './ban-list.js'
import { CacheOnDemand, type CacheOnDemandOptions } from './cache-on-demand.js'
import { type ChunkDescriptor, describeChunk } from './chunk-format.js'
import { type DownloadCounters, type DownloaderDeps, type GetOptions, downloadChunk, downloadPlain } from './chunk-downloader.js'
import { type ChunkCrypto, sharedChunkCrypto } from './crypto-pool.js'
import { ChunkError, ChunkErrorCode } from './errors.js'
import { CHUNK_SERVICE, type ProviderRecord, recordBody } from './messages.js'
import type { ProviderFinderDeps } from './provider-finder.js'
import { ProviderHints } from './provider-hints.js'
import { ProviderRecords, createProviderValue, providerListFor, type ProviderValueOptions } from './provider-records.js'
import { type AdmissionPolicy, checkUsableRecord } from './record-admission.js'
import { type ChunkRequestCounters, createChunkRequestHandler } from './handlers/chunk-request-handler.js'
import { refuseSliceStream, serveSliceStream } from './slice-server.js'
import { SliceStreamPool } from './stream-pool.js'

export type { CacheOnDemandOptions }

/**
 * The chunk exchange of one node: it downloads chunks from other nodes
 * (`source.get`, see chunk-downloader.ts), serves the chunks in its store
 * (slice streams, descriptors), keeps provider records for chunks near its
 * id, announces what it holds (publish, republished every hour) and, pulled
 * by demand, caches chunks it is asked about repeatedly.
 *
 * Cache on demand and CACHE_REQUEST, and who may cause them: see
 * cache-on-demand.ts and cache-admission.ts.
 */
export type ChunkServiceStore = Pick<ChunkStore, 'has' | 'get' | 'withRange' | 'putCache' | 'noteMissing' | 'ids'> &
  Partial<Pick<ChunkStore, 'putCacheVerified'>>

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
  onVerifiedContent?: (peer: Contact, bytes: number) => void
  /** This node's experience with a peer (its routing-table contact), for the standing of cache on demand. */
  peerHistory?: (id: Buffer) => Pick<Contact, 'contentProvided' | 'paymentsMade'> | undefined
  /** Cache what this node downloads (and so serve it). Default true. */
  cacheDownloads?: boolean
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
  /** Where whole-chunk hashes (and a reader's decryption) run; default the process's worker pool. */
  crypto?: Pick<ChunkCrypto, 'sha256'> & Partial<ChunkCrypto>
}

export interface ChunkServiceStats extends DownloadCounters, AnnounceCounters, ChunkRequestCounters {
  slicesServed: number
  bytesServed: number
  streamsServed: number
  streamsRefused: number
  malformedStreams: number
  cachedOnDemand: number
  /** Downloads started because enough peers with standing asked for a chunk. */
  demandPulls: number
  /** CACHE_REQUESTs refused (rank, distance, budget, busy). */
  cacheRequestsRefused: number
  republishRuns: number
  /** Slice streams a download took over from an earlier one instead of opening. */
  streamsReused: number
}

/** What a reader needs (the fs layer's ChunkSource), with progress. */
export interface ChunkNetworkSource extends ChunkSource {
  get: (id: Buffer, opts?: GetOptions) => Promise<Buffer>
}

export interface ChunkService {
  readonly source: ChunkNetworkSource
  /** Announces chunks this node holds (the publisher stored them first). */
  publish: (ids: Buffer[], opts?: PublishOptions) => Promise<PublishResult>
  /** For a publisher: who serves each chunk; below target, re-announce and ask nodes to pull. */
  checkAvailability: (ids: Buffer[], opts?: AvailabilityOptions) => Promise<Availability[]>
  /** One republish round now (the timer runs these every republishIntervalMs). */
  republish: () => Promise<PublishResult>
  start: () => void
  stop: () => Promise<void>
  readonly stats: Readonly<ChunkServiceStats>
  readonly bannedPeers: BanList
  /** Provider records held for others (and this node's own). */
  readonly records: ProviderRecords
}

const DESCRIPTOR_MEMO = 64
/**
 * Eight distinct askers: a chunk a few peers missed may be on its way (being
 * published, records not yet stored); one that eight missed, at three of the
 * closest nodes, is missing. Three, so one or two lying nodes cannot cut a
 * lookup short; three colluding nodes that sit closest to a chunk id can (ids
 * near a key are cheap to mine), which is the price of the traffic saved.
 * DemandCounter counts one vote per asking peer, so a single peer cannot
 * raise the count by repeating its query (many identities still can).
 */
export const DEFAULT_NOT_FOUND_STOP: NotFoundStop = { count: 8, quorum: 3 }
const MAX_ANNOUNCE_QUEUE = 1024
const ANNOUNCE_PARALLEL = 2
const ANNOUNCE_BUSY_GAP_MS = 1000

export function createChunkService (o: ChunkServiceOptions): ChunkService {
  const now = o.now ?? Date.now
  const { network, store, identity } = o
  const crypto: Pick<ChunkCrypto, 'sha256'> & Partial<ChunkCrypto> = o.crypto ?? sharedChunkCrypto()
  // A reader's source can decrypt too when the crypto given can (the pool can; test fakes may not).
  const decrypting = crypto.decrypt === undefined ? undefined : crypto as typeof crypto & Pick<ChunkCrypto, 'decrypt'>
  const streams = new SliceStreamPool()
  const hints = new ProviderHints()
  const stats: ChunkServiceStats = {
    localHits: 0, downloads: 0, downloadFailures: 0, bytesDownloaded: 0, badSlices: 0, slowPeers: 0,
    unreachablePeers: 0, descriptorLies: 0, bans: 0, cacheFailures: 0, hintedDownloads: 0,
    announcements: 0, recordsSent: 0, recordsRefused: 0, announceFailures: 0, cacheRequestsSent: 0, cacheRequestsAccepted: 0,
    malformedRequests: 0, recordsAccepted: 0, recordsRejected: 0, notFoundAnswered: 0, descriptorsServed: 0,
    slicesServed: 0, bytesServed: 0, streamsServed: 0, streamsRefused: 0, malformedStreams: 0, cachedOnDemand: 0, demandPulls: 0, cacheRequestsRefused: 0, republishRuns: 0,
    streamsReused: 0
  }
  const requestTimeoutMs = o.requestTimeoutMs ?? 5000
  const ttlMs = o.providerTtlMs ?? 3 * 60 * 60_000
  const records = new ProviderRecords({ maxRecords: o.maxRecords, maxPerChunk: o.maxRecordsPerChunk, maxPerProvider: o.maxRecordsPerProvider })
  const nearCount = o.nearCount ?? 20
  const admission: AdmissionPolicy = {
    minRank: o.minRank ?? 0,
    allowPrivateEndpoints: o.allowPrivateEndpoints ?? false,
    isNear: (id) => {
      const known = o.localClosest?.(id, nearCount)
      // Knowing fewer than nearCount nodes, this node cannot tell it is not among the closest.
      if (known === undefined || known.length < nearCount) return true
      return compareDistance(id, identity.id, known[known.length - 1].id) < 0
    }
  }
  const usable = (r: ProviderRecord, t: number, id: Buffer): boolean => checkUsableRecord(admission, r, t, id) === undefined
  const bans = new BanList(now, o.banMs ?? DEFAULT_BAN_MS, o.maxBans ?? DEFAULT_BAN_CAPACITY)
  let lifetime = new AbortController()
  setMaxListeners(0, lifetime.signal) // every running download listens to it
  let running = false
  let registered = false
  let timer: NodeJS.Timeout | undefined
  let republishing: Promise<PublishResult> | undefined
  const serving = new Set<Duplex>()

  // Ids this node is looking up itself: the DHT asks our own provider first, and that is no demand.
  const ownLookups = new Map<string, number>()
  const finder: ProviderFinderDeps = {
    network, now, requestTimeoutMs,
    fallbackQueries: o.fallbackQueries ?? 8,
    fallbackParallel: o.fallbackParallel ?? 3,
    notFoundStop: o.notFoundStop === false ? undefined : (o.notFoundStop ?? DEFAULT_NOT_FOUND_STOP),
    usable,
    onLookup: (id, on) => {
      const hex = id.toString('hex')
      const n = (ownLookups.get(hex) ?? 0) + (on ? 1 : -1)
      if (n > 0) ownLookups.set(hex, n)
      else ownLookups.delete(hex)
    }
  }
  const announcer = new Announcer({ network, identity, records, finder, now, ttlMs, requestTimeoutMs, announceCount: o.announceCount, counters: stats })

  const downloader = (): DownloaderDeps => ({
    network, store, finder, bans, selfId: identity.id,
    maxParallelProviders: o.maxParallelProviders ?? 3,
    pipelineDepth: o.pipelineDepth ?? 4,
    sliceTimeoutMs: o.sliceTimeoutMs ?? 10_000,
    requestTimeoutMs,
    maxAttempts: o.maxAttempts ?? 3,
    cacheDownloads: o.cacheDownloads ?? true,
    onCached: (id) => { queueAnnounce(id) },
    onContent: o.onVerifiedContent,
    counters: stats,
    lifetime: lifetime.signal,
    crypto,
    streams,
    hints
  })

  // Chunks cached after a download are announced a few at a time, and while this node's own
  // downloads run, one at a time at most every ANNOUNCE_BUSY_GAP_MS: each announcement is a
  // lookup plus a signed record to k nodes, which the user's download would otherwise share
  // its CPU and links with. Past the bound they wait for the next republish round.
  const announceQueue = new Set<string>()
  let announcing = 0
  let downloading = 0
  let lastAnnounce = -Infinity
  let announceTimer: NodeJS.Timeout | undefined
  const queueAnnounce = (id: Buffer): void => {
    if (!running || announceQueue.size >= MAX_ANNOUNCE_QUEUE) return
    announceQueue.add(id.toString('hex'))
    pumpAnnounces()
  }
  const pumpAnnounces = (): void => {
    while (running && announceQueue.size > 0) {
      if (downloading > 0) {
        const wait = lastAnnounce + ANNOUNCE_BUSY_GAP_MS - Date.now()
        if (announcing > 0 || wait > 0) {
          if (announcing === 0 && announceTimer === undefined) {
            announceTimer = setTimeout(() => { announceTimer = undefined; pumpAnnounces() }, wait)
            announceTimer.unref()
          }
          return
        }
      } else if (announcing >= ANNOUNCE_PARALLEL) {
        return
      }
      const hex = announceQueue.values().next().value as string
      announceQueue.delete(hex)
      announcing++
      lastAnnounce = Date.now()
      void announcer.announce(Buffer.from(hex, 'hex'), lifetime.signal)
        .catch(() => {})
        .finally(() => { announcing--; pumpAnnounces() })
    }
  }
  /** Runs one of this node's own downloads, holding announcements back meanwhile. */
  const asDownload = async <T>(work: () => Promise<T>): Promise<T> => {
    downloading++
    try {
      return await work()
    } finally {
      if (--downloading === 0) pumpAnnounces()
    }
  }

  const onDemand = new CacheOnDemand({
    options: o.cacheOnDemand ?? {},
    selfRank: identity.rank,
    now,
    running: () => running,
    has: (id) => store.has(id),
    isNear: admission.isNear,
    ownLookup: (id) => ownLookups.has(id.toString('hex')),
    peerHistory: o.peerHistory,
    download: async (id) => await downloadChunk(downloader(), id),
    stats
  })

  // --- answering ---
  const providerValue: ProviderValueOptions = {
    records,
    now,
    selfRecord: (id) => running && store.has(id) ? announcer.selfRecord(id) : undefined,
    onMiss: (id, from) => { onDemand.noteQuery(id, from) },
    usable
  }
  const descriptors = new Map<string, ChunkDescriptor>()
  const describe = (id: Buffer): ChunkDescriptor | undefined => {
    const hex = id.toString('hex')
    const memo = descriptors.get(hex)
    if (memo !== undefined && store.has(id)) return memo
    const bytes = store.get(id)
    if (bytes === undefined) return undefined
    const d = describeChunk(bytes)
    descriptors.set(hex, d)
    if (descriptors.size > DESCRIPTOR_MEMO) descriptors.delete(descriptors.keys().next().value as string)
    return d
  }
  const onRequest = createChunkRequestHandler({
    records, admission, now,
    providerList: (id) => running ? providerListFor(providerValue, id) : [],
    describe,
    noteMissing: (id) => store.noteMissing(id),
    onQuery: (id, from) => { onDemand.noteQuery(id, from) },
    onCacheRequest: (id, from) => onDemand.onCacheRequest(id, from),
    isStopped: () => !running,
    counters: stats
  })
  const valueProvider = createProviderValue(providerValue)
  const onStream = (stream: Duplex): void => {
    if (!running || serving.size >= (o.maxServeStreams ?? 64)) {
      stats.streamsRefused++
      refuseSliceStream(stream)
      return
    }
    serving.add(stream)
    stats.streamsServed++
    serveSliceStream(stream, {
      store,
      maxQueued: o.maxQueuedRequests ?? 32,
      idleMs: o.streamIdleMs ?? 30_000,
      onSlice: (n) => { stats.slicesServed++; stats.bytesServed += n },
      onMalformed: () => { stats.malformedStreams++ },
      onClose: () => { serving.delete(stream) }
    })
  }

  const republish = async (): Promise<PublishResult> => {
    if (republishing !== undefined) return await republishing
    records.prune(now())
    stats.republishRuns++
    republishing = announcer.publish(store.ids(), { signal: lifetime.signal, concurrency: 4 })
      .catch(() => ({ announced: 0, failed: 0 }))
      .finally(() => { republishing = undefined })
    return await republishing
  }

  const checkStarted = (): void => {
    if (!running) throw new ChunkError(ChunkErrorCode.STOPPED, 'the chunk service is not running (call start())')
  }

  return {
    source: {
      get: async (id: Buffer, opts?: GetOptions): Promise<Buffer> => {
        checkStarted()
        return await asDownload(async () => await downloadChunk(downloader(), id, opts))
      },
      ...(decrypting === undefined
        ? {}
        : {
            open: async (id: Buffer, key: Buffer, opts?: GetOptions): Promise<Buffer> => {
              checkStarted()
              return await asDownload(async () => await downloadPlain({ ...downloader(), crypto: decrypting }, id, key, opts))
            },
            release: (plain: Buffer): void => { decrypting.release?.(plain) }
          })
    },
    publish: async (ids, opts) => { checkStarted(); return await announcer.publish(ids, opts) },
    checkAvailability: async (ids, opts) => {
      checkStarted()
      return await announcer.checkAvailability(ids, { target: o.availabilityTarget, ...opts })
    },
    republish: async () => { checkStarted(); return await republish() },
    start: () => {
      if (running) return
      if (!identity.id.equals(network.self.id)) {
        throw new ChunkError(ChunkErrorCode.INVALID_ARGUMENT, 'the identity given is not the network\'s own node')
      }
      try {
        recordBody({ chunkId: Buffer.alloc(32), provider: { id: identity.id, endpoint: network.self.endpoint, publicKey: identity.publicKey, nonce: identity.nonce }, expiresAt: 1 })
      } catch (err) {
        throw new ChunkError(ChunkErrorCode.INVALID_ARGUMENT, `this node's endpoint cannot go into a provider record: ${String(err)}`, { cause: err })
      }
      if (lifetime.signal.aborted) {
        lifetime = new AbortController()
        setMaxListeners(0, lifetime.signal)
      }
      running = true
      if (!registered) {
        // The network has no unregister: the handlers stay and refuse while stopped.
        network.registerService(CHUNK_SERVICE, { onRequest, onStream })
        network.registerValueProvider(VALUE_KIND.chunkProviders, valueProvider)
        registered = true
      }
      timer = setInterval(() => { void republish() }, o.republishIntervalMs ?? 60 * 60_000)
      timer.unref()
    },
    stop: async () => {
      if (!running) return
      running = false
      if (timer !== undefined) clearInterval(timer)
      timer = undefined
      announceQueue.clear()
      if (announceTimer !== undefined) clearTimeout(announceTimer)
      announceTimer = undefined
      lifetime.abort(new ChunkError(ChunkErrorCode.STOPPED, 'the chunk service stopped'))
      streams.clear()
      for (const s of serving) s.destroy()
      serving.clear()
      await Promise.allSettled([onDemand.settled(), republishing])
    },
    get stats () { stats.streamsReused = streams.reused; return stats },
    bannedPeers: bans,
    records
  }
}
