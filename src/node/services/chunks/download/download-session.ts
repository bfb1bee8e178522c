import { cheapestFirst } from '../../../accounting/price.js'
import type { Contact } from '../../../routing/contact.js'
import { type ChunkDescriptor, sliceBounds } from '../chunk-format.js'
import { ChunkError, ChunkErrorCode } from '../errors.js'
import { CHUNK_SERVICE } from '../messages.js'
import { findProviders, providersOf } from '../provider-finder.js'
import { type SliceDownloadOutcome, type SliceStreamSource, downloadSlices } from '../slice-download.js'
import { SliceStream } from '../slice-stream.js'
import type { ChunkProgress, GetOptions } from './download-options.js'
import { shortChunkId } from './download-errors.js'
import type { DownloaderDeps } from './downloader-deps.js'
import type { Fetched, Opener } from './whole-chunk.js'

/** A slice download that delivered every slice. */
export type DeliveredSlices = SliceDownloadOutcome & { ok: true }

/**
 * What the three ways of fetching one chunk from the network share
 * (hinted-download.ts, given-descriptor-download.ts, peer-descriptor-download.ts):
 * which peers may be asked (neither this node nor a banned one), banning a liar,
 * the provider lookup, slices over the streams kept between downloads,
 * crediting the peers of a chunk that checked out, and progress.
 */
export class DownloadSession {
  private readonly streams: SliceStreamSource

  constructor (
    readonly deps: DownloaderDeps,
    readonly id: Buffer,
    readonly signal: AbortSignal,
    private readonly onProgress: GetOptions['onProgress'],
    readonly opener: Opener | undefined
  ) {
    this.streams = pooledStreams(deps)
  }

  skip (peer: Buffer): boolean {
    return peer.equals(this.deps.selfId) || this.deps.bans.has(peer)
  }

  usable (p: Contact): boolean {
    return !this.skip(p.id)
  }

  /** Bans a peer once (a second reason does not count twice). */
  ban (p: Contact, why: string): void {
    if (this.deps.bans.has(p.id)) return
    this.deps.bans.ban(p.id, why)
    this.deps.counters.bans++
  }

  progress (p: ChunkProgress): void {
    this.onProgress?.(p)
  }

  /** Providers of the chunk (a DHT lookup); NOT_FOUND when there are none. `total`: the length, when known. */
  async lookup (total: number): Promise<Contact[]> {
    const { deps, id } = this
    this.progress({ phase: 'providers', bytes: 0, total, providers: 0 })
    const found = await findProviders(deps.finder, id, { signal: this.signal, want: deps.maxParallelProviders, skip: (peer) => this.skip(peer) })
    if (found.records.length === 0) {
      const early = found.stoppedEarly ? '; the closest nodes report it widely missing, so the search stopped early' : ''
      throw new ChunkError(ChunkErrorCode.NOT_FOUND, `no provider found for chunk ${shortChunkId(id)} (asked for ${found.notFound} times without success${early})`, { notFound: found.notFound })
    }
    return cheapestFirst(id, providersOf(found.records))
  }

  /** The described chunk's slices from `providers` at once (see slice-download.ts), counted. */
  async slices (providers: Contact[], descriptor: ChunkDescriptor, descriptorFrom?: Contact): Promise<SliceDownloadOutcome> {
    const { deps } = this
    let bytes = 0
    const started = performance.now()
    const outcome = await downloadSlices({
      descriptor,
      descriptorFrom,
      providers: providers.filter(p => this.usable(p)),
      streams: this.streams,
      maxParallel: deps.maxParallelProviders,
      pipelineDepth: deps.pipelineDepth,
      sliceTimeoutMs: deps.sliceTimeoutMs,
      signal: this.signal,
      usable: (p) => this.usable(p),
      onLiar: (p, why) => { this.ban(p, why) },
      allocate: this.opener?.scratch,
      onSlice: (_i, n) => {
        bytes += n
        this.progress({ phase: 'slices', bytes, total: descriptor.length, providers: providers.length })
      }
    })
    deps.counters.badSlices += outcome.counts.ends.bad
    deps.counters.slowPeers += outcome.counts.ends.slow
    deps.counters.unreachablePeers += outcome.counts.ends.unreachable
    this.slicesMs = performance.now() - started
    return outcome
  }

  /** How long the last `slices` call took: each peer's share over it is its delivered rate. */
  private slicesMs = 0

  /**
   * Credits each peer with the slices it served of a chunk that checked out.
   * (By the descriptor's length: the assembled bytes may have gone to a worker by now.)
   */
  credit (outcome: DeliveredSlices, length: number): void {
    const onContent = this.deps.onContent
    if (onContent === undefined) return
    const byPeer = new Map<string, { peer: Contact, bytes: number }>()
    outcome.servedBy.forEach((peer, i) => {
      const { start, end } = sliceBounds(length, i)
      const hex = peer.id.toString('hex')
      const e = byPeer.get(hex) ?? { peer, bytes: 0 }
      e.bytes += end - start
      byPeer.set(hex, e)
    })
    for (const { peer, bytes } of byPeer.values()) {
      try { onContent(peer, bytes, this.id, this.slicesMs) } catch { /* a listener must not fail the download */ }
    }
  }

  /** The chunk, with the last progress report. */
  done (got: Fetched, providers: number): Fetched {
    this.progress({ phase: 'done', bytes: got.cipher.length, total: got.cipher.length, providers })
    return got
  }
}

/** Streams from the service's pool when one to the peer is idle, else newly opened; clean ones go back. */
function pooledStreams (deps: DownloaderDeps): SliceStreamSource {
  return {
    acquire: async (peer, s) => {
      const kept = deps.streams.take(peer.id.toString('hex'))
      if (kept !== undefined) return { stream: kept, reused: true }
      return { stream: new SliceStream(await deps.network.openStream(peer, CHUNK_SERVICE, { signal: s })), reused: false }
    },
    release: (peer, stream, clean) => {
      if (clean) deps.streams.give(peer.id.toString('hex'), stream)
      else stream.close(false)
    }
  }
}
