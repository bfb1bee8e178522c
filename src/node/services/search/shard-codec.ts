import { sha256 } from '../../crypto/hash.js'
import { Reader, Writer, WireError } from '../../wire/codec.js'

/**
 * A published search index, as chunks. Three shapes, each one chunk
 * (little-endian, every length checked, trailing bytes refused):
 *
 * Manifest (what the builder's kv record `search/index` points at):
 *   magic "TSRM" · version u8 = 1 · created u64 (ms) · documents u32
 *   term bits u8 (0..MAX_TERM_BITS) · docs per shard u16 (1..MAX_DOCS_PER_SHARD) · doc shard count u32
 *   term shard table: 2^bits × shard, by term-hash prefix
 *   doc shard table:  count × shard, by document number / docs per shard
 *   each shard: chunk id 32 · key 32 · ciphertext length u32 (1..1 MiB)
 *     · SHA-256 of each 64 KiB slice of the ciphertext (ceil(length / 64 KiB) × 32)
 *   (the chunk's descriptor: a reader verifies each slice as it arrives and may ask the peers that
 *   served the builder's other shards first, without a provider lookup)
 *
 * Term shard (the postings of every term whose SHA-256 begins with its prefix):
 *   magic "TSRT" · version u8 = 1 · prefix u16 · term count u32
 *   each term, in byte order: term u8 length + UTF-8 · postings u32 (1..MAX_POSTINGS)
 *     · each posting: document u32 · weight u16, heaviest first
 *
 * Document shard (what a result shows):
 *   magic "TSRD" · version u8 = 1 · first document u32 · count u16
 *   each: root id 32 · root key 32 · host u8 length + text · path u16 length + text
 *     · title u16 length + text · snippet u16 length + text · popularity u32
 *     · tag count u8 (≤ MAX_DOC_TAGS) · each tag: u8 length + text
 *
 * The index pointer (the kv value): magic "TSRP" · version u8 = 1
 *   · manifest id 32 · manifest key 32 · created u64 · documents u32.
 */
export const SHARD_VERSION = 1
export const MAX_TERM_BITS = 12
export const MAX_DOCS_PER_SHARD = 1024
export const MAX_POSTINGS = 4096
export const MAX_DOC_TAGS = 8
export const MAX_PATH_BYTES = 1024
export const MAX_TITLE_BYTES = 512
export const MAX_SNIPPET_BYTES = 1024

const MAGIC = { manifest: 'TSRM', term: 'TSRT', doc: 'TSRD', pointer: 'TSRP' } as const

export interface ChunkRef { id: Buffer, key: Buffer }
/** A shard's chunk with its descriptor (ciphertext length and slice hashes). */
export interface ShardRef extends ChunkRef { length: number, slices: Buffer[] }

export interface Manifest {
  created: number
  documents: number
  termBits: number
  docsPerShard: number
  termShards: ShardRef[]
  docShards: ShardRef[]
}

export interface Posting { doc: number, weight: number }
export interface TermShard { prefix: number, terms: Map<string, Posting[]> }

export interface DocInfo {
  ref: ChunkRef
  host: string
  path: string
  title: string
  snippet: string
  popularity: number
  tags: string[]
}
export interface DocShard { first: number, docs: DocInfo[] }

export interface IndexPointer { manifest: ChunkRef, created: number, documents: number }

/** Which term shard holds `term`: the top `bits` bits of SHA-256(term). */
export function shardOf (term: string, bits: number): number {
  if (bits === 0) return 0
  const h = sha256(Buffer.from(term, 'utf8'))
  return ((h[0] << 8) | h[1]) >>> (16 - bits)
}

function magic (r: Reader, want: string): void {
  const m = r.bytes(4).toString('latin1')
  if (m !== want) throw new WireError(`search shard: magic "${m}", expected "${want}"`)
  const v = r.u8()
  if (v !== SHARD_VERSION) throw new WireError(`search shard: unknown version ${v}`)
}

function ref (r: Reader): ChunkRef { return { id: Buffer.from(r.bytes(32)), key: Buffer.from(r.bytes(32)) } }

const SLICE = 64 * 1024
const MAX_CHUNK = 1 << 20

function shardRef (r: Reader): ShardRef {
  const { id, key } = ref(r)
  const length = r.u32()
  if (length < 1 || length > MAX_CHUNK) throw new WireError(`search manifest: a shard of ${length} bytes`)
  const slices: Buffer[] = []
  for (let i = 0; i < Math.ceil(length / SLICE); i++) slices.push(Buffer.from(r.bytes(32)))
  return { id, key, length, slices }
}

function writeShardRef (w: Writer, s: ShardRef): void {
  if (s.slices.length !== Math.ceil(s.length / SLICE)) throw new RangeError('a shard needs one hash per 64 KiB slice')
  w.bytes(s.id).bytes(s.key).u32(s.length)
  for (const h of s.slices) w.bytes(h)
}

export function encodeManifest (m: Manifest): Buffer {
  if (m.termShards.length !== 2 ** m.termBits) throw new RangeError('term shard table must have 2^bits entries')
  const w = new Writer(32 + 100 * (m.termShards.length + m.docShards.length))
  w.bytes(Buffer.from(MAGIC.manifest, 'latin1')).u8(SHARD_VERSION).u64(m.created).u32(m.documents).u8(m.termBits).u16(m.docsPerShard).u32(m.docShards.length)
  for (const s of m.termShards) writeShardRef(w, s)
  for (const s of m.docShards) writeShardRef(w, s)
  return w.finish()
}

export function decodeManifest (bytes: Uint8Array): Manifest {
  const r = new Reader(bytes, 'search manifest')
  magic(r, MAGIC.manifest)
  const created = r.u64()
  const documents = r.u32()
  const termBits = r.u8()
  if (termBits > MAX_TERM_BITS) throw new WireError(`search manifest: ${termBits} term bits (at most ${MAX_TERM_BITS})`)
  const docsPerShard = r.u16()
  if (docsPerShard < 1 || docsPerShard > MAX_DOCS_PER_SHARD) throw new WireError(`search manifest: ${docsPerShard} documents per shard`)
  const docShardCount = r.u32()
  if (docShardCount !== Math.ceil(documents / docsPerShard)) throw new WireError('search manifest: document shard count does not match the documents')
  // Each shard takes at least 100 bytes: counts the bytes cannot hold are refused before any work.
  if (r.remaining < 100 * (2 ** termBits + docShardCount)) throw new WireError('search manifest: shard tables shorter than their counts')
  const termShards: ShardRef[] = []
  for (let i = 0; i < 2 ** termBits; i++) termShards.push(shardRef(r))
  const docShards: ShardRef[] = []
  for (let i = 0; i < docShardCount; i++) docShards.push(shardRef(r))
  r.end()
  return { created, documents, termBits, docsPerShard, termShards, docShards }
}

export function encodeTermShard (s: TermShard): Buffer {
  const w = new Writer(1024)
  w.bytes(Buffer.from(MAGIC.term, 'latin1')).u8(SHARD_VERSION).u16(s.prefix).u32(s.terms.size)
  const terms = [...s.terms.keys()].sort(compareUtf8)
  for (const t of terms) {
    const postings = s.terms.get(t)!
    if (postings.length < 1 || postings.length > MAX_POSTINGS) throw new RangeError(`term "${t}": ${postings.length} postings`)
    w.string8(t).u32(postings.length)
    for (const p of postings) w.u32(p.doc).u16(p.weight)
  }
  return w.finish()
}

/** `documents`: the manifest's count; a posting naming a document past it is malformed. */
export function decodeTermShard (bytes: Uint8Array, documents: number): TermShard {
  const r = new Reader(bytes, 'search term shard')
  magic(r, MAGIC.term)
  const prefix = r.u16()
  const count = r.u32()
  // Each term takes at least 1 + 1 + 4 + 6 bytes: a count beyond what the bytes can hold is refused before any work.
  if (count * 12 > r.remaining) throw new WireError('search term shard: more terms than bytes')
  const terms = new Map<string, Posting[]>()
  let previous: string | undefined
  for (let i = 0; i < count; i++) {
    const t = r.string8()
    if (t.length === 0 || (previous !== undefined && compareUtf8(previous, t) >= 0)) throw new WireError('search term shard: terms out of order')
    previous = t
    const n = r.u32()
    if (n < 1 || n > MAX_POSTINGS || n * 6 > r.remaining) throw new WireError(`search term shard: ${n} postings`)
    const postings: Posting[] = new Array(n)
    for (let j = 0; j < n; j++) {
      const doc = r.u32()
      if (doc >= documents) throw new WireError(`search term shard: document ${doc} of ${documents}`)
      postings[j] = { doc, weight: r.u16() }
    }
    terms.set(t, postings)
  }
  r.end()
  return { prefix, terms }
}

export function encodeDocShard (s: DocShard): Buffer {
  const w = new Writer(4096)
  w.bytes(Buffer.from(MAGIC.doc, 'latin1')).u8(SHARD_VERSION).u32(s.first).u16(s.docs.length)
  for (const d of s.docs) {
    if (d.tags.length > MAX_DOC_TAGS) throw new RangeError(`at most ${MAX_DOC_TAGS} tags per document`)
    w.bytes(d.ref.id).bytes(d.ref.key).string8(d.host).bytes16(utf8Max(d.path, MAX_PATH_BYTES)).bytes16(utf8Max(d.title, MAX_TITLE_BYTES))
      .bytes16(utf8Max(d.snippet, MAX_SNIPPET_BYTES)).u32(Math.min(0xffffffff, Math.max(0, Math.round(d.popularity)))).u8(d.tags.length)
    for (const t of d.tags) w.string8(t)
  }
  return w.finish()
}

export function decodeDocShard (bytes: Uint8Array): DocShard {
  const r = new Reader(bytes, 'search document shard')
  magic(r, MAGIC.doc)
  const first = r.u32()
  const count = r.u16()
  if (count > MAX_DOCS_PER_SHARD) throw new WireError(`search document shard: ${count} documents`)
  const docs: DocInfo[] = []
  for (let i = 0; i < count; i++) {
    const docRef = ref(r)
    const host = r.string8()
    const path = r.string16(MAX_PATH_BYTES)
    const title = r.string16(MAX_TITLE_BYTES)
    const snippet = r.string16(MAX_SNIPPET_BYTES)
    const popularity = r.u32()
    const tagCount = r.u8()
    if (tagCount > MAX_DOC_TAGS) throw new WireError(`search document shard: ${tagCount} tags`)
    const tags: string[] = []
    for (let j = 0; j < tagCount; j++) tags.push(r.string8())
    docs.push({ ref: docRef, host, path, title, snippet, popularity, tags })
  }
  r.end()
  return { first, docs }
}

export function encodeIndexPointer (p: IndexPointer): Buffer {
  return new Writer(90).bytes(Buffer.from(MAGIC.pointer, 'latin1')).u8(SHARD_VERSION).bytes(p.manifest.id).bytes(p.manifest.key).u64(p.created).u32(p.documents).finish()
}

export function decodeIndexPointer (bytes: Uint8Array): IndexPointer {
  const r = new Reader(bytes, 'search index pointer')
  magic(r, MAGIC.pointer)
  const manifest = ref(r)
  const created = r.u64()
  const documents = r.u32()
  r.end()
  return { manifest, created, documents }
}

export function compareUtf8 (a: string, b: string): number {
  return Buffer.compare(Buffer.from(a, 'utf8'), Buffer.from(b, 'utf8'))
}

/** `text` cut to at most `max` UTF-8 bytes, never inside a character. */
export function utf8Max (text: string, max: number): Buffer {
  const b = Buffer.from(text, 'utf8')
  if (b.length <= max) return b
  let end = max
  while (end > 0 && (b[end] & 0xc0) === 0x80) end--
  return b.subarray(0, end)
}
