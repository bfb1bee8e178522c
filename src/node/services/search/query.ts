import { isTornetError } from '../../errors.js'
import { WireError } from '../../wire/codec.js'
import { formatReference } from '../content/reference.js'
import { SearchError, SearchErrorCode } from './errors.js'
import { compareRanked, rankPostings, type RankedDoc } from './ranking.js'
import {
  type ChunkRef, type ShardRef, type DocInfo, type DocShard, type Manifest, type Posting, type TermShard,
  decodeDocShard, decodeIndexPointer, decodeManifest, decodeTermShard, shardOf
} from './shard-codec.js'
import { queryTerms } from './tokeniser.js'

/**
 * Answers queries from the indexes of trusted builders: the builder's kv
 * record gives its newest manifest; the query's terms pick one term shard
 * each (by hash prefix), the top documents one document shard each. Every
 * chunk comes through `getChunk`, which verifies it like any content; decoded
 * manifests and shards are kept in small LRUs, so a warm query fetches only
 * the shards it has not seen. A shard that does not decode is an error that
 * names its builder.
 */
export const INDEX_KEY = 'search/index'

export interface SearchEngineOptions {
  /** `group`: the builder, for shards (whose refs carry descriptors): the peers that served its other shards are asked first. */
  getChunk: (ref: ChunkRef | ShardRef, signal?: AbortSignal, group?: string) => Promise<Buffer>
  /** The builder's `search/index` kv value, or undefined. */
  getPointer: (builder: Buffer, signal?: AbortSignal) => Promise<Buffer | undefined>
  trusted: () => Buffer[]
  now?: () => number
  /** How long a builder's pointer is trusted before it is read again; default 60 s. */
  pointerTtlMs?: number
  /** Decoded shards kept; default 512. */
  cacheShards?: number
}

export interface SearchHit {
  title: string
  snippet: string
  url: string
  host: string
  path: string
  reference: string
  tags: string[]
  popularity: number
  score: number
  matched: number
  builder: string
}

export interface SearchResults {
  query: string
  terms: string[]
  total: number
  hits: SearchHit[]
  /** Builders whose index answered. */
  builders: string[]
  /** Builders whose index failed, with why. */
  failures: Array<{ builder: string, code: string, message: string }>
  /** Bytes of shards (and manifests) this query had to fetch (0 when all were cached). */
  fetchedBytes: number
  /** Shards this query read, cached or not. */
  shardsRead: number
}

interface Loaded { manifest: Manifest, at: number, pointerId: string }

export class SearchEngine {
  private readonly manifests = new Map<string, Loaded>()
  private readonly refreshing = new Set<string>()
  private readonly shards = new Map<string, TermShard | DocShard>()
  private readonly now: () => number
  private readonly pointerTtlMs: number
  private readonly cacheShards: number

  constructor (private readonly o: SearchEngineOptions) {
    this.now = o.now ?? Date.now
    this.pointerTtlMs = o.pointerTtlMs ?? 60_000
    this.cacheShards = o.cacheShards ?? 512
  }

  /** Forgets cached manifests (the next query reads every builder's pointer again). */
  refresh (): void { this.manifests.clear() }

  async search (query: string, opts: { limit?: number, offset?: number, signal?: AbortSignal } = {}): Promise<SearchResults> {
    const limit = Math.max(1, Math.min(100, opts.limit ?? 10))
    const offset = Math.max(0, Math.min(1000, opts.offset ?? 0))
    const terms = queryTerms(query)
    const results: SearchResults = { query, terms, total: 0, hits: [], builders: [], failures: [], fetchedBytes: 0, shardsRead: 0 }
    const builders = this.o.trusted()
    if (terms.length === 0) return results
    if (builders.length === 0) throw new SearchError(SearchErrorCode.NO_INDEX, 'no trusted index builder is configured (config search.trust)')
    const perBuilder = await Promise.all(builders.map(async (b) => {
      const name = b.toString('hex')
      try {
        return await this.searchOne(b, terms, limit + offset, results, opts.signal)
      } catch (err) {
        if (opts.signal?.aborted === true) throw err
        results.failures.push({ builder: name, code: isTornetError(err) ? err.code : 'SEARCH_FAILED', message: (err as Error).message })
        return []
      }
    }))
    if (results.builders.length === 0 && results.failures.length > 0) {
      const malformed = results.failures.find(f => f.code === SearchErrorCode.SHARD_MALFORMED)
      const first = malformed ?? results.failures[0]
      throw new SearchError(first.code === SearchErrorCode.SHARD_MALFORMED ? SearchErrorCode.SHARD_MALFORMED : SearchErrorCode.NO_INDEX, first.message)
    }
    // Merge: one hit per address (the first builder's), then the same order as within an index.
    const seen = new Set<string>()
    const merged: SearchHit[] = []
    for (const hit of perBuilder.flat().sort((a, b) => compareRanked({ doc: 0, matched: a.matched, score: a.score }, { doc: 0, matched: b.matched, score: b.score }))) {
      const key = hit.host + '/' + hit.path
      if (seen.has(key)) continue
      seen.add(key)
      merged.push(hit)
    }
    results.total = Math.max(results.total, merged.length)
    results.hits = merged.slice(offset, offset + limit)
    return results
  }

  private async searchOne (builder: Buffer, terms: string[], want: number, results: SearchResults, signal?: AbortSignal): Promise<SearchHit[]> {
    const name = builder.toString('hex')
    const manifest = await this.manifestOf(builder, results, signal)
    const termShardIds = [...new Set(terms.map(t => shardOf(t, manifest.termBits)))]
    const loaded = await Promise.all(termShardIds.map(async i => ({ i, shard: await this.shard(name, manifest.termShards[i], 'term', manifest.documents, results, signal) as TermShard })))
    const byIndex = new Map(loaded.map(l => [l.i, l.shard]))
    const lists: Array<readonly Posting[] | undefined> = terms.map(t => byIndex.get(shardOf(t, manifest.termBits))?.terms.get(t))
    const { total, top } = rankPostings(lists, want)
    results.total = Math.max(results.total, total)
    const docs = await this.docs(name, manifest, top, results, signal)
    results.builders.push(name)
    return top.map((r, i) => hitOf(docs[i], r, name))
  }

  private async docs (builder: string, manifest: Manifest, top: RankedDoc[], results: SearchResults, signal?: AbortSignal): Promise<DocInfo[]> {
    const wanted = [...new Set(top.map(r => Math.floor(r.doc / manifest.docsPerShard)))]
    const shards = new Map<number, DocShard>()
    await Promise.all(wanted.map(async i => {
      const ref = manifest.docShards[i]
      if (ref === undefined) throw malformed(builder, `its index names document shard ${i} of ${manifest.docShards.length}`)
      const s = await this.shard(builder, ref, 'doc', manifest.documents, results, signal) as DocShard
      if (s.first !== i * manifest.docsPerShard) throw malformed(builder, `document shard ${i} starts at ${s.first}`)
      shards.set(i, s)
    }))
    return top.map(r => {
      const s = shards.get(Math.floor(r.doc / manifest.docsPerShard))!
      const d = s.docs[r.doc - s.first]
      if (d === undefined) throw malformed(builder, `document ${r.doc} is missing from its shard`)
      return d
    })
  }

  private async manifestOf (builder: Buffer, results: SearchResults, signal?: AbortSignal): Promise<Manifest> {
    const name = builder.toString('hex')
    const cached = this.manifests.get(name)
    if (cached !== undefined && this.now() - cached.at < this.pointerTtlMs) return cached.manifest
    if (cached !== undefined) {
      // Stale: answer from the index in hand, and look for a newer one in the background.
      if (!this.refreshing.has(name)) {
        this.refreshing.add(name)
        const scratch: SearchResults = { query: '', terms: [], total: 0, hits: [], builders: [], failures: [], fetchedBytes: 0, shardsRead: 0 }
        cached.at = this.now()
        this.loadManifest(builder, scratch, cached).catch(() => undefined).finally(() => this.refreshing.delete(name))
      }
      return cached.manifest
    }
    return await this.loadManifest(builder, results, undefined, signal)
  }

  private async loadManifest (builder: Buffer, results: SearchResults, cached: Loaded | undefined, signal?: AbortSignal): Promise<Manifest> {
    const name = builder.toString('hex')
    const value = await this.o.getPointer(builder, signal)
    if (value === undefined) {
      if (cached !== undefined) return cached.manifest
      throw new SearchError(SearchErrorCode.NO_INDEX, `builder ${name.slice(0, 16)}… has published no index`)
    }
    let pointer
    try { pointer = decodeIndexPointer(value) } catch (err) { throw malformed(name, (err as Error).message) }
    const pointerId = pointer.manifest.id.toString('hex')
    if (cached !== undefined && cached.pointerId === pointerId) {
      cached.at = this.now()
      return cached.manifest
    }
    const bytes = await this.o.getChunk(pointer.manifest, signal)
    results.fetchedBytes += bytes.length
    let manifest: Manifest
    try { manifest = decodeManifest(bytes) } catch (err) { throw malformed(name, (err as Error).message) }
    this.manifests.set(name, { manifest, at: this.now(), pointerId })
    return manifest
  }

  private async shard (builder: string, ref: ShardRef, kind: 'term' | 'doc', documents: number, results: SearchResults, signal?: AbortSignal): Promise<TermShard | DocShard> {
    results.shardsRead++
    const key = ref.id.toString('hex')
    const hit = this.shards.get(key)
    if (hit !== undefined) {
      this.shards.delete(key)
      this.shards.set(key, hit)
      return hit
    }
    const bytes = await this.o.getChunk(ref, signal, `search/${builder}`)
    results.fetchedBytes += bytes.length
    let shard: TermShard | DocShard
    try {
      shard = kind === 'term' ? decodeTermShard(bytes, documents) : decodeDocShard(bytes)
    } catch (err) {
      if (err instanceof WireError) throw malformed(builder, err.message)
      throw err
    }
    this.shards.set(key, shard)
    while (this.shards.size > this.cacheShards) this.shards.delete(this.shards.keys().next().value as string)
    return shard
  }
}

function malformed (builder: string, why: string): Error {
  return new SearchError(SearchErrorCode.SHARD_MALFORMED, `the index of builder ${builder} is malformed: ${why}`)
}

function hitOf (d: DocInfo, r: RankedDoc, builder: string): SearchHit {
  // A directory's index.html is linked as the directory, the way sites link to it.
  const shown = d.path === 'index.html' ? '' : d.path.endsWith('/index.html') ? d.path.slice(0, -'index.html'.length) : d.path
  const path = shown.split('/').map(encodeURIComponent).join('/')
  return {
    title: d.title,
    snippet: d.snippet,
    url: `http://${d.host}/${path}`,
    host: d.host,
    path: d.path,
    reference: formatReference(d.ref),
    tags: d.tags,
    popularity: d.popularity,
    score: r.score,
    matched: r.matched,
    builder
  }
}
