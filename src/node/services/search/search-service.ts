import type { Identity } from '../../identity/identity.js'
import type { ServiceNetwork } from '../service-network.js'
import type { Contact } from '../../routing/contact.js'
import { formatReference, parseReference } from '../content/reference.js'
import { crawl, type CrawlContent, type CrawlProgress, type CrawlSeed } from './crawler.js'
import { SearchError, SearchErrorCode } from './errors.js'
import { searchRequestHandler } from './handlers/index.js'
import { buildShards, type IndexedDocument } from './index-builder.js'
import { SEARCH_SERVICE } from './messages.js'
import { INDEX_KEY, SearchEngine, type SearchResults } from './query.js'
import { weighTags } from './reputation.js'
import { type ChunkRef, encodeIndexPointer, encodeManifest, type IndexPointer, type ShardRef } from './shard-codec.js'
import { TagClient, type TagPublishResult } from './tag-client.js'
import { TagHolder } from './tag-holder.js'
import type { TagRecord } from './tag-record.js'

/**
 * Discovery: signed tags, the index builder and queries (issue 20). Built
 * from the capabilities it needs: the network (tags travel on the "search"
 * service), the kv store (each builder's `search/index` pointer), content
 * (what the crawler reads), chunks (shards stored, announced and fetched,
 * verified like any content), names (crawl seeds) and the demand counters
 * routing keeps (popularity).
 */
export interface SearchServiceOptions {
  network: ServiceNetwork
  identity: Pick<Identity, 'publicKey' | 'secretKey' | 'nonce'>
  kv: {
    put: (key: string, value: Buffer, opts: { ttlMs: number, signal?: AbortSignal }) => Promise<unknown>
    get: (namespace: Buffer, key: string, opts: { signal?: AbortSignal }) => Promise<{ value: Buffer } | undefined>
  }
  content: CrawlContent
  /** Stores plaintexts as chunks in the local store and announces them; returns their references and descriptors in order. */
  putChunks: (plains: Buffer[], signal?: AbortSignal) => Promise<ShardRef[]>
  /** A chunk's plaintext, verified; with a shard's descriptor and `group` (its builder), peers that served the group are asked first. */
  getChunk: (ref: ChunkRef | ShardRef, signal?: AbortSignal, group?: string) => Promise<Buffer>
  /** Sites to crawl besides tagged ones: registered names, published content. */
  seeds: () => CrawlSeed[]
  /** How wanted a root chunk is (routing's demand counters). */
  demand: (id: Buffer) => number
  /** Builders whose indexes queries read (config search.trust; the node's own key for "self"). */
  trusted: () => Buffer[]
  owned?: { put: (key: string, value: Buffer) => Promise<void>, values: () => Buffer[] }
  /** The nodes serving a root chunk (its provider records): tags on it are stored with them too. */
  hosts?: (targetId: Buffer, signal?: AbortSignal) => Promise<Contact[]>
  now?: () => number
  /** How often owned tags are re-sent; default 1 h; 0: never. */
  republishIntervalMs?: number
}

export interface IndexBuildOptions {
  /** More sites to crawl (references or `name.tor-net` seeds as CrawlSeed). */
  seeds?: CrawlSeed[]
  maxDocuments?: number
  targetShardBytes?: number
  docsPerShard?: number
  signal?: AbortSignal
  onProgress?: (p: IndexBuildProgress) => void
}

export type IndexBuildProgress =
  | ({ phase: 'crawl' } & CrawlProgress)
  | { phase: 'tags', done: number, total: number }
  | { phase: 'publish', shards: number }

export interface IndexBuildResult {
  pointer: IndexPointer
  documents: number
  sites: number
  failed: number
  terms: number
  termShards: number
  docShards: number
  /** Bytes of all shards and the manifest. */
  bytes: number
  manifestBytes: number
  crawlMs: number
  buildMs: number
  publishMs: number
}

export interface TagOnTarget { target: string, targetId: Buffer, words: Array<{ word: string, weight: number }>, taggers: number }

export interface SearchService {
  tag: (reference: string, words: readonly string[], opts?: { signal?: AbortSignal }) => Promise<TagPublishResult>
  tagsOn: (reference: string, opts?: { signal?: AbortSignal }) => Promise<TagRecord[]>
  tagsWith: (word: string, opts?: { signal?: AbortSignal }) => Promise<TagRecord[]>
  /** Targets tagged with `word`, heaviest first (reputation applied). */
  taggedWith: (word: string, opts?: { signal?: AbortSignal }) => Promise<TagOnTarget[]>
  buildIndex: (opts?: IndexBuildOptions) => Promise<IndexBuildResult>
  search: (query: string, opts?: { limit?: number, offset?: number, signal?: AbortSignal }) => Promise<SearchResults>
  /** Forgets cached index pointers. */
  refresh: () => void
  readonly holder: TagHolder
  start: () => void
  stop: () => Promise<void>
}

export const INDEX_TTL_MS = 7 * 24 * 3600_000

export function createSearchService (o: SearchServiceOptions): SearchService {
  const now = o.now ?? Date.now
  const holder = new TagHolder({ now })
  const tags = new TagClient({ network: o.network, holder, identity: o.identity, now, owned: o.owned, hosts: o.hosts })
  const engine = new SearchEngine({
    getChunk: o.getChunk,
    getPointer: async (builder, signal) => (await o.kv.get(builder, INDEX_KEY, { signal }))?.value,
    trusted: o.trusted,
    now
  })
  let registered = false
  let timer: NodeJS.Timeout | undefined
  let stopping = new AbortController()

  function refOf (reference: string): ChunkRef {
    try { return parseReference(reference) } catch (err) {
      throw new SearchError(SearchErrorCode.INVALID_ARGUMENT, `'${reference.slice(0, 130)}' is not a reference`, { cause: err })
    }
  }

  async function taggedWith (word: string, opts: { signal?: AbortSignal } = {}): Promise<TagOnTarget[]> {
    const found = await tags.tagsWith(word, opts)
    const weights = weighTags(found)
    const out: TagOnTarget[] = []
    for (const [hex, words] of weights.byTarget) {
      const sample = found.find(t => t.targetId.toString('hex') === hex)!
      out.push({ target: formatReference({ id: sample.targetId, key: sample.targetKey }), targetId: sample.targetId, words, taggers: new Set(found.filter(t => t.targetId.toString('hex') === hex).map(t => t.tagger.toString('hex'))).size })
    }
    const weightOf = (t: TagOnTarget): number => t.words.find(w => w.word === word)?.weight ?? 0
    return out.sort((a, b) => weightOf(b) - weightOf(a) || a.target.localeCompare(b.target))
  }

  async function buildIndex (b: IndexBuildOptions = {}): Promise<IndexBuildResult> {
    const t0 = Date.now()
    const seeds: CrawlSeed[] = [...(b.seeds ?? []), ...o.seeds()]
    // Tagged references this node holds tags for are crawl seeds too.
    for (const h of holder.all()) seeds.push({ reference: formatReference({ id: h.record.targetId, key: h.record.targetKey }) })
    const crawled = await crawl(o.content, seeds, {
      maxDocuments: b.maxDocuments, signal: b.signal, onProgress: p => b.onProgress?.({ phase: 'crawl', ...p })
    })
    const t1 = Date.now()
    // Tags on every crawled site, from the network and this node's holder.
    const allTags: TagRecord[] = holder.all().map(h => h.record)
    const refs = [...crawled.sites.keys()]
    let done = 0
    let next = 0
    await Promise.all(Array.from({ length: 8 }, async () => {
      while (next < refs.length) {
        const r = refs[next++]
        try { allTags.push(...await tags.tagsOn(parseReference(r).id, { signal: b.signal })) } catch (err) { if (b.signal?.aborted === true) throw err }
        b.onProgress?.({ phase: 'tags', done: ++done, total: refs.length })
      }
    }))
    const weights = weighTags(allTags)
    // A tag names a site (its root): it goes on the site's front page, or the site's only page.
    const front = new Map<string, string>()
    const pagesOf = new Map<string, number>()
    for (const d of crawled.documents) pagesOf.set(d.reference, (pagesOf.get(d.reference) ?? 0) + 1)
    for (const d of crawled.documents) {
      const isFront = d.path === '' || d.path === 'index.html' || d.path === 'index.md' || pagesOf.get(d.reference) === 1
      if (isFront && !front.has(d.reference)) front.set(d.reference, d.path)
    }
    const docs: IndexedDocument[] = crawled.documents.map(d => {
      const ref = parseReference(d.reference)
      const isFront = front.get(d.reference) === d.path
      return {
        ref,
        host: d.host,
        path: d.path,
        title: d.title,
        text: d.text,
        popularity: isFront ? o.demand(ref.id) : 0,
        tags: isFront ? weights.byTarget.get(ref.id.toString('hex')) ?? [] : []
      }
    })
    const shards = buildShards(docs, { targetShardBytes: b.targetShardBytes, docsPerShard: b.docsPerShard })
    const t2 = Date.now()
    const refsOut = await o.putChunks([...shards.termShards, ...shards.docShards], b.signal)
    const termRefs = refsOut.slice(0, shards.termShards.length)
    const docRefs = refsOut.slice(shards.termShards.length)
    const created = now()
    const manifestBytes = encodeManifest({ created, documents: shards.documents, termBits: shards.termBits, docsPerShard: shards.docsPerShard, termShards: termRefs, docShards: docRefs })
    const [manifestRef] = await o.putChunks([manifestBytes], b.signal)
    b.onProgress?.({ phase: 'publish', shards: refsOut.length + 1 })
    const pointer: IndexPointer = { manifest: manifestRef, created, documents: shards.documents }
    await o.kv.put(INDEX_KEY, encodeIndexPointer(pointer), { ttlMs: INDEX_TTL_MS, signal: b.signal })
    engine.refresh()
    const bytes = [...shards.termShards, ...shards.docShards].reduce((s, x) => s + x.length, 0) + manifestBytes.length
    return {
      pointer,
      documents: shards.documents,
      sites: crawled.sites.size,
      failed: crawled.failed,
      terms: shards.terms,
      termShards: shards.termShards.length,
      docShards: shards.docShards.length,
      bytes,
      manifestBytes: manifestBytes.length,
      crawlMs: t1 - t0,
      buildMs: t2 - t1,
      publishMs: Date.now() - t2
    }
  }

  return {
    tag: async (reference, words, opts) => await tags.tag(refOf(reference), words, opts),
    tagsOn: async (reference, opts) => await tags.tagsOn(refOf(reference).id, opts),
    tagsWith: async (word, opts) => await tags.tagsWith(word, opts),
    taggedWith,
    buildIndex,
    search: async (query, opts) => await engine.search(query, opts),
    refresh: () => engine.refresh(),
    holder,
    start () {
      if (!registered) { o.network.registerService(SEARCH_SERVICE, searchRequestHandler(holder)); registered = true }
      stopping = new AbortController()
      const interval = o.republishIntervalMs ?? 3600_000
      if (interval > 0 && timer === undefined) {
        timer = setInterval(() => { tags.republish(stopping.signal).catch(() => undefined) }, interval)
        timer.unref()
      }
    },
    async stop () {
      if (timer !== undefined) clearInterval(timer)
      timer = undefined
      stopping.abort()
    }
  }
}
