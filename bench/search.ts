import { parseArgs } from 'node:util'
import { generateIdentity } from '../src/node/identity/identity.js'
import { shardOf } from '../src/node/services/search/shard-codec.js'
import { queryTerms } from '../src/node/services/search/tokeniser.js'
import { corpus } from '../test/helpers/search-corpus.js'
import { publishSite } from '../test/helpers/search-sites.js'
import { startLocalNet } from './support/local-net.js'
import { percentile, round } from './support/stats.js'
import { emit, progress } from './util.js'

/**
 * Search (issue 20) on 10 real nodes on 127.0.0.1 (UDP, LMDB, 1,200-byte datagrams):
 *
 *   search.index_build_docs_per_s  node 0 crawls --docs pages (this project's README, then generated
 *                                  text; nine sites on nodes 1..9) over the network, builds the index
 *                                  and publishes it (chunks stored and announced, kv pointer):
 *                                  documents / wall seconds of the whole build
 *   search.query_ms_p50            node 9, trusting node 0 as its builder, answers --queries queries
 *                                  of one or two words. Warm: its sessions are open and it has read
 *                                  the builder's pointer and manifest once; every timed query is
 *                                  chosen so that its term shards were never fetched before, so
 *                                  each includes fetching a term shard (and the document shards
 *                                  of its top results not yet seen) from peers. Median wall ms
 *                                  (target ≤ 100)
 *   search.shard_bytes_per_query   mean bytes of shards those queries fetched
 *   search.baseline_kv_get_ms_p50  the baseline, same run: node 9 reading the builder's kv pointer
 *                                  (one FIND_VALUE lookup and replica reads over UDP: what any
 *                                  network read costs here)
 *   search.baseline_rank_ms_p50    the same queries ranked over shards already in memory (no network)
 *
 *   npm run bench -- search [--docs 10000] [--queries 200]
 */
export const summary = 'signed-tag search: index build rate, query latency over 10 real UDP nodes, shard bytes per query'

export async function run (args: string[]): Promise<void> {
  const { values } = parseArgs({ args, options: { docs: { type: 'string' }, queries: { type: 'string' } }, strict: true })
  const docs = Number(values.docs ?? 10_000)
  const queries = Number(values.queries ?? 200)
  const builder = generateIdentity()
  const net = await startLocalNet(10, {
    identityFor: (i) => i === 0 ? builder : undefined,
    configFor: (i) => i === 9 ? { search: { trust: [builder.publicKey.toString('hex')] } } : {}
  })
  try {
    const pages = corpus(docs)
    const perSite = Math.ceil(pages.length / 9)
    const sites: Array<{ reference: string, pages: string[] }> = []
    for (let s = 0; s < 9; s++) {
      sites.push(await publishSite(net.nodes[s + 1], `site ${s}`, pages.slice(s * perSite, (s + 1) * perSite)))
      progress(`published site ${s + 1}/9`)
    }
    const t0 = performance.now()
    const built = await net.nodes[0].search.buildIndex({
      seeds: sites.map(s => ({ reference: s.reference })),
      onProgress: (p) => { if (p.phase === 'crawl' && p.documents % 1000 === 0 && p.documents > 0) progress(`crawled ${p.documents}`) }
    })
    const buildMs = performance.now() - t0
    emit('search.index_build_docs_per_s', round(built.documents / (buildMs / 1000), 1), 'docs/s', {
      documents: built.documents, crawl_ms: built.crawlMs, build_ms: built.buildMs, publish_ms: built.publishMs,
      term_shards: built.termShards, doc_shards: built.docShards, index_bytes: built.bytes, manifest_bytes: built.manifestBytes
    })

    const searcher = net.nodes[9].search
    // Warm: the pointer and the manifest, and sessions to the peers.
    await searcher.search('tornet')
    const termBits = Math.log2(built.termShards)
    const used = new Set<number>([shardOf('tornet', termBits)])
    const vocabulary = [...new Set(pages.flatMap(p => queryTerms(p.title)))]
    const candidates: string[] = []
    for (let i = 0; i < vocabulary.length && candidates.length < queries; i++) {
      const words = [vocabulary[(i * 7919) % vocabulary.length], ...(i % 2 === 0 ? [] : [vocabulary[(i * 104729 + 3) % vocabulary.length]])]
      const shards = [...new Set(words.map(w => shardOf(w, termBits)))]
      if (shards.some(s => used.has(s))) continue
      for (const s of shards) used.add(s)
      candidates.push(words.join(' '))
    }
    const times: number[] = []
    let bytes = 0
    let hits = 0
    for (const q of candidates) {
      const t = performance.now()
      const r = await searcher.search(q)
      times.push(performance.now() - t)
      bytes += r.fetchedBytes
      if (r.hits.length > 0) hits++
    }
    emit('search.query_ms_p50', round(percentile(times, 50), 2), 'ms', {
      p90: round(percentile(times, 90), 2), queries: times.length, with_results: hits, documents: built.documents, target: 100
    })
    emit('search.shard_bytes_per_query', Math.round(bytes / Math.max(1, times.length)), 'bytes', { queries: times.length })

    // Baselines: one network read (the builder's kv pointer), and the same queries with every shard cached.
    const base: number[] = []
    for (let i = 0; i < 50; i++) {
      const t = performance.now()
      await net.nodes[9].kv.get(builder.publicKey, 'search/index')
      base.push(performance.now() - t)
    }
    emit('search.baseline_kv_get_ms_p50', round(percentile(base, 50), 2), 'ms', { reads: base.length })
    const cached: number[] = []
    for (const q of candidates) {
      const t = performance.now()
      await searcher.search(q)
      cached.push(performance.now() - t)
    }
    emit('search.baseline_rank_ms_p50', round(percentile(cached, 50), 2), 'ms', { queries: cached.length })
  } finally {
    await net.close()
  }
}
