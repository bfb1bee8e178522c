import type { NotFoundStop } from '../../routing/lookup-types.js'
import type { ChunkSource } from '../content/chunk-fetcher.js'
import { VALUE_KIND } from '../service-network.js'
import { AnnounceQueue } from './announce-queue.js'
import { type Availability, type AvailabilityOptions, Announcer, type PublishOptions, type PublishResult } from './announcer.js'
import { BanList, DEFAULT_BAN_CAPACITY, DEFAULT_BAN_MS } from './ban-list.js'
import { CacheOnDemand, type CacheOnDemandOptions } from './cache-on-demand.js'
import { downloadChunk, downloadPlain } from './chunk-downloader.js'
import type { ChunkServiceOptions } from './chunk-service-options.js'
import { type ChunkServiceStats, newChunkServiceStats } from './chunk-service-stats.js'
import type { ChunkCrypto } from './crypto-pool.js'
import { DescriptorMemo } from './descriptor-memo.js'
import type { GetOptions } from './download/download-options.js'
import type { DownloaderDeps } from './download/downloader-deps.js'
import { ChunkError, ChunkErrorCode } from './errors.js'
import { createChunkRequestHandler } from './handlers/chunk-request-handler.js'
import { CHUNK_SERVICE, type ProviderRecord, recordBody } from './messages.js'
import type { ProviderFinderDeps } from './provider-finder.js'
import { ProviderHints } from './provider-hints.js'
import { ProviderRecords, createProviderValue, providerListFor, type ProviderValueOptions } from './provider-records.js'
import { type AdmissionPolicy, checkUsableRecord, nearByLocalTable } from './record-admission.js'
import { Republisher } from './republisher.js'
import { ServedStreams } from './served-streams.js'
import { ServiceLifetime } from './service-lifetime.js'
import { SliceStreamPool } from './stream-pool.js'
import { HostTable, type HostTableStore } from './host-table.js'
import { HostTracker } from './host-tracker.js'
import { PaidHosting } from './paid-hosting.js'
import { BandwidthBudget, inRange } from './sell-policy.js'
import { ServedCounts } from './served-counts.js'
import { findProviders } from './provider-finder.js'

export type { CacheOnDemandOptions }
export type { ChunkServiceOptions, ChunkServiceStore } from './chunk-service-options.js'
export type { ChunkServiceStats } from './chunk-service-stats.js'

/**
 * The chunk exchange of one node: it downloads chunks from other nodes
 * (`source.get`, see chunk-downloader.ts), serves the chunks in its store
 * (slice streams, descriptors), keeps provider records for chunks near its
 * id, announces what it holds (publish, republished every hour) and, pulled
 * by demand, caches chunks it is asked about repeatedly.
 *
 * This file wires the parts: announce-queue.ts (what downloads cached),
 * cache-on-demand.ts and cache-admission.ts (who may make this node cache),
 * handlers/ (requests), served-streams.ts (slice streams), republisher.ts,
 * service-lifetime.ts (start/stop); what the node sells (sell-policy.ts: bandwidth paced,
 * id range, least popularity), paid places (paid-hosting.ts), and the publisher's hourly
 * checks of its hosts with the access rates they report (host-tracker.ts, served-counts.ts).
 */

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
  /** The hosts of what this node published, their hourly checks and the access rates gathered (host-tracker.ts). */
  readonly hosts: HostTracker
}

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

export function createChunkService (o: ChunkServiceOptions): ChunkService {
  const now = o.now ?? Date.now
  const { network, store, identity, crypto } = o
  // A reader's source can decrypt too when the crypto given can (the pool can; test fakes may not).
  const decrypting = crypto.decrypt === undefined ? undefined : crypto as typeof crypto & Pick<ChunkCrypto, 'decrypt'>
  const streams = new SliceStreamPool()
  const hints = new ProviderHints()
  const stats = newChunkServiceStats()
  const requestTimeoutMs = o.requestTimeoutMs ?? 5000
  const records = new ProviderRecords({ maxRecords: o.maxRecords, maxPerChunk: o.maxRecordsPerChunk, maxPerProvider: o.maxRecordsPerProvider })
  const admission: AdmissionPolicy = {
    minRank: o.minRank ?? 0,
    allowPrivateEndpoints: o.allowPrivateEndpoints ?? false,
    isNear: nearByLocalTable(identity.id, o.nearCount ?? 20, o.localClosest)
  }
  const usable = (r: ProviderRecord, t: number, id: Buffer): boolean => checkUsableRecord(admission, r, t, id) === undefined
  const bans = new BanList(now, o.banMs ?? DEFAULT_BAN_MS, o.maxBans ?? DEFAULT_BAN_CAPACITY)
  const lifetime = new ServiceLifetime()
  const running = (): boolean => lifetime.running
  let registered = false

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
  const ttlMs = o.providerTtlMs ?? 3 * 60 * 60_000
  const announcer = new Announcer({ network, identity, records, finder, now, ttlMs, requestTimeoutMs, announceCount: o.announceCount, counters: stats })
  const announceQueue = new AnnounceQueue({ running, announce: async (id) => await announcer.announce(id, lifetime.signal) })
  const republisher = new Republisher({
    announcer, records, now, ids: () => store.ids(), signal: () => lifetime.signal, intervalMs: o.republishIntervalMs, counters: stats
  })

  const downloader = (): DownloaderDeps => ({
    network, store, finder, bans, selfId: identity.id,
    maxParallelProviders: o.maxParallelProviders ?? 3,
    pipelineDepth: o.pipelineDepth ?? 4,
    sliceTimeoutMs: o.sliceTimeoutMs ?? 10_000,
    requestTimeoutMs,
    maxAttempts: o.maxAttempts ?? 3,
    cacheDownloads: o.fetchOnly !== true && (o.cacheDownloads ?? true),
    onCached: (id) => { announceQueue.add(id) },
    onContent: o.onVerifiedContent,
    counters: stats,
    lifetime: lifetime.signal,
    crypto,
    streams,
    hints
  })

  const sell = o.sell ?? {}
  const sold = (id: Buffer): boolean => inRange(identity.id, id, sell.range)
  const onDemand = new CacheOnDemand({
    inRange: sold,
    minPopularity: sell.minPopularity,
    options: o.cacheOnDemand ?? {},
    selfRank: identity.rank,
    now,
    running,
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
    selfRecord: (id) => running() && store.has(id) ? announcer.selfRecord(id) : undefined,
    onMiss: (id, from) => { onDemand.noteQuery(id, from) },
    usable
  }
  const descriptors = new DescriptorMemo(store)
  const servedCounts = new ServedCounts(now())
  const paid = new PaidHosting({
    selfId: identity.id,
    selfRank: identity.rank,
    now,
    running,
    selling: () => store.putPaid !== undefined && store.quotePaid !== undefined && (store.cacheLimit ?? 0) > 0 && o.fetchOnly !== true,
    store: {
      has: (id) => store.has(id),
      quotePaid: (size) => store.quotePaid?.(size),
      putPaid: async (id, bytes, until, verified) => await (store.putPaid?.(id, bytes, until, verified) ?? Promise.resolve(false))
    },
    range: sell.range,
    storagePrice: sell.storagePrice,
    download: async (id) => await downloadChunk({ ...downloader(), cacheDownloads: false }, id),
    canCharge: (from) => o.canCharge?.(from) ?? true,
    pulling: (from, id) => { o.onPaidPull?.(from, id) },
    charge: (from, id, bytes, credit) => { o.onStorageSold?.(from, id, bytes, credit) },
    stats
  })
  const onRequest = createChunkRequestHandler({
    records, admission, now,
    providerList: (id) => running() ? providerListFor(providerValue, id) : [],
    describe: (id) => descriptors.describe(id),
    noteMissing: (id) => store.noteMissing(id),
    onQuery: (id, from) => { onDemand.noteQuery(id, from) },
    onCacheRequest: (id, from) => onDemand.onCacheRequest(id, from),
    hosting: (id) => ({ held: store.has(id), servedBytes: Math.floor(servedCounts.get(id)), since: servedCounts.since }),
    onPublishOffer: async (m, from) => await paid.offer(m, from),
    isStopped: () => !running(),
    counters: stats
  })
  const valueProvider = createProviderValue(providerValue)
  // The bandwidth this node sells (config sell.bandwidth): slices past it wait their turn.
  const budget = sell.bandwidth !== undefined && sell.bandwidth > 0 ? new BandwidthBudget({ bytesPerSecond: sell.bandwidth, now }) : undefined
  const served = new ServedStreams({
    store, running, maxStreams: o.maxServeStreams, maxQueued: o.maxQueuedRequests, idleMs: o.streamIdleMs, counters: stats, gate: o.serveGate,
    pace: budget === undefined ? undefined : (bytes) => budget.reserve(bytes),
    onServed: (id, n) => { servedCounts.add(id, n) }
  })
  const publishing = o.publishing ?? {}
  const tracker = new HostTracker({
    table: new HostTable(publishing.table ?? memoryTable()),
    network,
    identity,
    now,
    find: async (id, want, signal) => (await findProviders(finder, id, { signal, want, thorough: true })).records,
    announce: async (id, signal) => await announcer.announce(id, signal),
    push: async (id, wanted, known, signal) => await announcer.push(id, wanted, known, signal),
    servedHere: (id) => ({ bytes: servedCounts.get(id), since: servedCounts.since }),
    sizeOf: (id) => store.sizeOf?.(id),
    onPaid: (host, id, bytes, credit) => { o.onStorageBought?.(host, id, bytes, credit) },
    offering: (host, id) => { o.onPaidPull?.(host, id) },
    replicas: publishing.replicas,
    maxPrice: publishing.maxPrice,
    intervalMs: publishing.checkIntervalMs,
    requestTimeoutMs,
    signal: () => lifetime.signal
  })

  const checkStarted = (): void => {
    if (!running()) throw new ChunkError(ChunkErrorCode.STOPPED, 'the chunk service is not running (call start())')
  }
  const checkServing = (): void => {
    checkStarted()
    if (o.fetchOnly === true) throw new ChunkError(ChunkErrorCode.INVALID_ARGUMENT, 'a fetch-only chunk service does not announce: publish with the node\'s own')
  }

  return {
    source: {
      get: async (id: Buffer, opts?: GetOptions): Promise<Buffer> => {
        checkStarted()
        return await announceQueue.asDownload(async () => await downloadChunk(downloader(), id, opts))
      },
      ...(decrypting === undefined
        ? {}
        : {
            open: async (id: Buffer, key: Buffer, opts?: GetOptions): Promise<Buffer> => {
              checkStarted()
              return await announceQueue.asDownload(async () => await downloadPlain({ ...downloader(), crypto: decrypting }, id, key, opts))
            },
            release: (plain: Buffer): void => { decrypting.release?.(plain) }
          })
    },
    publish: async (ids, opts) => { checkServing(); return await announcer.publish(ids, opts) },
    checkAvailability: async (ids, opts) => {
      checkServing()
      return await announcer.checkAvailability(ids, { target: o.availabilityTarget, ...opts })
    },
    republish: async () => { checkServing(); return await republisher.run() },
    start: () => {
      if (running()) return
      if (o.fetchOnly === true) { lifetime.begin(); return }
      checkServable(o)
      lifetime.begin()
      if (!registered) {
        // The network has no unregister: the handlers stay and refuse while stopped.
        network.registerService(CHUNK_SERVICE, { onRequest, onStream: served.accept })
        network.registerValueProvider(VALUE_KIND.chunkProviders, valueProvider)
        registered = true
      }
      republisher.start()
      tracker.start()
    },
    stop: async () => {
      if (!lifetime.end(new ChunkError(ChunkErrorCode.STOPPED, 'the chunk service stopped'))) return
      republisher.stop()
      tracker.stop()
      announceQueue.clear()
      streams.clear()
      served.destroyAll()
      await Promise.allSettled([onDemand.settled(), republisher.settled(), tracker.settled()])
    },
    get stats () { stats.streamsReused = streams.reused; return stats },
    bannedPeers: bans,
    records,
    hosts: tracker
  }
}

/** A host table in memory, for a chunk service built without the node's store (tests). */
function memoryTable (): HostTableStore {
  const m = new Map<string, Buffer>()
  return {
    get: (k) => m.get(k),
    put: async (k, v) => { m.set(k, v) },
    keys: () => [...m.keys()].sort(),
    remove: async (k) => { m.delete(k) }
  }
}

/** Throws unless this node can serve: the identity is the network's own, its endpoint fits a provider record. */
function checkServable ({ identity, network }: Pick<ChunkServiceOptions, 'identity' | 'network'>): void {
  if (!identity.id.equals(network.self.id)) {
    throw new ChunkError(ChunkErrorCode.INVALID_ARGUMENT, 'the identity given is not the network\'s own node')
  }
  try {
    recordBody({ chunkId: Buffer.alloc(32), provider: { id: identity.id, endpoint: network.self.endpoint, publicKey: identity.publicKey, nonce: identity.nonce }, expiresAt: 1 })
  } catch (err) {
    throw new ChunkError(ChunkErrorCode.INVALID_ARGUMENT, `this node's endpoint cannot go into a provider record: ${String(err)}`, { cause: err })
  }
}
