import { bm25, comparePostings, quantise, staticBoost, TITLE_REPEAT } from './ranking.js'
import { snippetOf } from './extract.js'
import {
  type ChunkRef, type DocInfo, type Posting, MAX_DOCS_PER_SHARD, MAX_DOC_TAGS, MAX_POSTINGS, MAX_TERM_BITS,
  encodeDocShard, encodeTermShard, shardOf
} from './shard-codec.js'
import { tokens } from './tokeniser.js'
import { SearchError, SearchErrorCode } from './errors.js'

/**
 * Turns crawled documents into the shards of an index (pure: bytes in
 * memory; the caller stores them as chunks and writes the manifest). Term
 * shards are keyed by term-hash prefix, with as many prefix bits as it takes
 * for the average shard to stay near `targetShardBytes`, so a query of one or
 * two terms fetches one or two small shards; documents go in numbered shards
 * of `docsPerShard`.
 */
export interface IndexedDocument {
  ref: ChunkRef
  host: string
  path: string
  title: string
  text: string
  /** The demand counters' count for the document's root (how wanted it is). */
  popularity: number
  /** Tag words on the document with their weights (reputation.ts), heaviest first. */
  tags: Array<{ word: string, weight: number }>
}

export interface BuildOptions {
  /** Aimed-for size of a term shard; default 16 KiB. */
  targetShardBytes?: number
  /** Documents per document shard; default 16. */
  docsPerShard?: number
}

export interface BuiltShards {
  termBits: number
  docsPerShard: number
  documents: number
  terms: number
  termShards: Buffer[]
  docShards: Buffer[]
}

/** The order documents are numbered in: static rank, then address (stable across builds). */
function staticOrder (a: IndexedDocument, b: IndexedDocument): number {
  const sa = staticBoost(a.popularity, tagSum(a))
  const sb = staticBoost(b.popularity, tagSum(b))
  if (sa !== sb) return sb - sa
  const ka = a.host + '/' + a.path
  const kb = b.host + '/' + b.path
  return ka < kb ? -1 : ka > kb ? 1 : 0
}

function tagSum (d: IndexedDocument): number { return d.tags.reduce((s, t) => s + t.weight, 0) }

export function buildShards (input: readonly IndexedDocument[], opts: BuildOptions = {}): BuiltShards {
  const targetShardBytes = opts.targetShardBytes ?? 16 * 1024
  const docsPerShard = opts.docsPerShard ?? 16
  if (!Number.isInteger(docsPerShard) || docsPerShard < 1 || docsPerShard > MAX_DOCS_PER_SHARD) throw new SearchError(SearchErrorCode.INVALID_ARGUMENT, `docsPerShard is 1..${MAX_DOCS_PER_SHARD}`)
  if (input.length > 0xffffffff) throw new SearchError(SearchErrorCode.INDEX_TOO_LARGE, 'too many documents')
  const docs = [...input].sort(staticOrder)
  // Term frequencies per document (title and tag words weighed in), and document frequencies.
  const tfs: Array<Map<string, number>> = []
  const lengths: number[] = []
  const df = new Map<string, number>()
  for (const d of docs) {
    const tf = new Map<string, number>()
    let length = 0
    const add = (t: string, n: number): void => { tf.set(t, (tf.get(t) ?? 0) + n); length += n }
    for (const t of tokens(d.text)) add(t, 1)
    for (const t of tokens(d.title)) add(t, TITLE_REPEAT)
    for (const tag of d.tags) add(tag.word, 2 + Math.min(tag.weight, 20))
    for (const t of tf.keys()) df.set(t, (df.get(t) ?? 0) + 1)
    tfs.push(tf)
    lengths.push(length)
  }
  const n = docs.length
  const average = n === 0 ? 0 : lengths.reduce((a, b) => a + b, 0) / n
  const postings = new Map<string, Posting[]>()
  for (let doc = 0; doc < n; doc++) {
    const boost = staticBoost(docs[doc].popularity, tagSum(docs[doc]))
    for (const [t, tf] of tfs[doc]) {
      const weight = quantise(bm25(tf, df.get(t)!, n, lengths[doc], average) * boost)
      let list = postings.get(t)
      if (list === undefined) { list = []; postings.set(t, list) }
      list.push({ doc, weight })
    }
  }
  let totalBytes = 0
  for (const [t, list] of postings) {
    list.sort(comparePostings)
    if (list.length > MAX_POSTINGS) list.length = MAX_POSTINGS
    totalBytes += Buffer.byteLength(t) + 5 + 6 * list.length
  }
  const termBits = Math.max(0, Math.min(MAX_TERM_BITS, Math.ceil(Math.log2(Math.max(1, totalBytes / targetShardBytes)))))
  const groups: Array<Map<string, Posting[]>> = Array.from({ length: 2 ** termBits }, () => new Map())
  for (const [t, list] of postings) groups[shardOf(t, termBits)].set(t, list)
  const termShards = groups.map((terms, prefix) => encodeTermShard({ prefix, terms }))
  const docShards: Buffer[] = []
  for (let first = 0; first < n; first += docsPerShard) {
    const infos: DocInfo[] = docs.slice(first, first + docsPerShard).map(d => ({
      ref: d.ref,
      host: d.host,
      path: d.path,
      title: d.title,
      snippet: snippetOf(d.text, 200),
      popularity: d.popularity,
      tags: d.tags.slice(0, MAX_DOC_TAGS).map(t => t.word)
    }))
    docShards.push(encodeDocShard({ first, docs: infos }))
  }
  return { termBits, docsPerShard, documents: n, terms: postings.size, termShards, docShards }
}
