import { sha256 } from '../../crypto/hash.js'
import { NS, namespaced } from '../../crypto/namespaces.js'
import { type Identity, sign, verify, rankOf } from '../../identity/identity.js'
import { Reader, Writer, WireError } from '../../wire/codec.js'
import { SearchError, SearchErrorCode, type SearchErrorCodeValue } from './errors.js'
import { isTerm, normaliseWord } from './tokeniser.js'

/**
 * A tag: one tagger says that the content at `target` (a reference: root
 * chunk id and key) is about `words`. Signed by the tagger under NS.searchTag,
 * so no other kind of signature can be replayed as a tag.
 *
 * Bytes (little-endian):
 *   version u8 = 1
 *   tagger public key 32 · tagger rank nonce 8 (rank = leading zero bits of SHA-256(key ‖ nonce))
 *   target id 32 · target key 32      (not all zero: a tag names something)
 *   time u64 (ms since 1970)
 *   word count u8 (1..MAX_TAG_WORDS), each word: u8 length + UTF-8 (a normalised term)
 *   signature 64 over namespaced(NS.searchTag, every byte above)
 * At most MAX_TAG_RECORD_BYTES in all.
 */
export const TAG_RECORD_VERSION = 1
export const MAX_TAG_WORDS = 8
export const MAX_TAG_RECORD_BYTES = 512
/** How far ahead of a replica's clock a tag may be dated. */
export const MAX_TAG_CLOCK_SKEW_MS = 10 * 60_000

export interface TagRecord {
  tagger: Buffer
  nonce: Buffer
  targetId: Buffer
  targetKey: Buffer
  time: number
  words: string[]
  signature: Buffer
}

function body (r: Omit<TagRecord, 'signature'>): Buffer {
  const w = new Writer(256)
  w.u8(TAG_RECORD_VERSION).bytes(r.tagger).bytes(r.nonce).bytes(r.targetId).bytes(r.targetKey).u64(r.time).u8(r.words.length)
  for (const word of r.words) w.string8(word)
  return w.finish()
}

export function encodeTagRecord (r: TagRecord): Buffer {
  return Buffer.concat([body(r), r.signature])
}

/** Throws WireError on bytes that are not one well-formed tag record (the signature is not checked here). */
export function decodeTagRecord (bytes: Uint8Array): TagRecord {
  if (bytes.length > MAX_TAG_RECORD_BYTES) throw new WireError(`tag record: ${bytes.length} bytes, more than ${MAX_TAG_RECORD_BYTES}`)
  const r = new Reader(bytes, 'tag record')
  const version = r.u8()
  if (version !== TAG_RECORD_VERSION) throw new WireError(`tag record: unknown version ${version}`)
  const tagger = Buffer.from(r.bytes(32))
  const nonce = Buffer.from(r.bytes(8))
  const targetId = Buffer.from(r.bytes(32))
  const targetKey = Buffer.from(r.bytes(32))
  const time = r.u64()
  const count = r.u8()
  if (count < 1 || count > MAX_TAG_WORDS) throw new WireError(`tag record: ${count} words (1..${MAX_TAG_WORDS})`)
  const words: string[] = []
  for (let i = 0; i < count; i++) {
    const word = r.string8()
    if (!isTerm(word) || word !== normaliseWord(word) || words.includes(word)) throw new WireError('tag record: a word that is not a normalised term, or repeated')
    words.push(word)
  }
  const signature = Buffer.from(r.bytes(64))
  r.end()
  if (targetId.every(b => b === 0)) throw new WireError('tag record: no target')
  return { tagger, nonce, targetId, targetKey, time, words, signature }
}

export function signTagRecord (identity: Pick<Identity, 'publicKey' | 'secretKey' | 'nonce'>, target: { id: Buffer, key: Buffer }, words: string[], time: number): TagRecord {
  const unsigned = { tagger: Buffer.from(identity.publicKey), nonce: Buffer.from(identity.nonce), targetId: target.id, targetKey: target.key, time, words }
  const encoded = body(unsigned)
  if (encoded.length + 64 > MAX_TAG_RECORD_BYTES) throw new SearchError(SearchErrorCode.TAG_MALFORMED, `a tag record is at most ${MAX_TAG_RECORD_BYTES} bytes`)
  return { ...unsigned, signature: sign(identity, namespaced(NS.searchTag, encoded)) }
}

/** Why a decoded tag record is refused, or undefined when it is good: signature, then clock. */
export function checkTagRecord (r: TagRecord, now: number): SearchErrorCodeValue | undefined {
  if (!verify(r.tagger, namespaced(NS.searchTag, body(r)), r.signature)) return SearchErrorCode.TAG_BAD_SIGNATURE
  if (r.time > now + MAX_TAG_CLOCK_SKEW_MS) return SearchErrorCode.TAG_FROM_FUTURE
  return undefined
}

/** The tagger's proof-of-work rank, from the nonce the record carries. */
export function taggerRank (r: TagRecord): number { return rankOf(r.tagger, r.nonce) }

/** Where the tags for a word live: the k nodes closest to this. */
export function wordLocation (word: string): Buffer {
  return sha256(Buffer.from('tornet/search/tag-word/'), Buffer.from(word, 'utf8'))
}

/**
 * Where the tags on a target live besides: its root chunk id, so the nodes
 * closest to it (those that keep its provider records) hold them too.
 */
export function targetLocation (targetId: Buffer): Buffer { return Buffer.from(targetId) }

/** One tag per (tagger, target): a newer one replaces the older. */
export function tagSlot (r: TagRecord): string { return r.tagger.toString('hex') + r.targetId.toString('hex') }
