/**
 * Words as the index and the queries see them: Unicode letters and digits,
 * case-folded, accents removed (NFKD, combining marks dropped), split at
 * everything else. Tokens of one character, of more than MAX_TOKEN_BYTES
 * UTF-8 bytes, and common English stop words are left out. The same function
 * runs when an index is built and when it is queried, so both agree on what
 * a term is; any input string (any length, lone surrogates, control bytes)
 * gives a list, never an error.
 */
export const MAX_TOKEN_BYTES = 32
/** A query's terms past this many are ignored (each may cost a shard fetch). */
export const MAX_QUERY_TERMS = 8
/** Characters of a query looked at; the rest is ignored. */
export const MAX_QUERY_CHARS = 512

const STOP_WORDS = new Set([
  'a', 'an', 'and', 'are', 'as', 'at', 'be', 'but', 'by', 'for', 'if', 'in', 'into', 'is', 'it', 'no', 'not', 'of', 'on', 'or',
  'such', 'that', 'the', 'their', 'then', 'there', 'these', 'they', 'this', 'to', 'was', 'will', 'with', 'from', 'has', 'have',
  'he', 'she', 'his', 'her', 'its', 'we', 'you', 'i', 'me', 'my', 'so', 'do', 'did', 'had', 'which', 'who', 'what', 'were', 'been'
])

const SPLIT = /[^\p{L}\p{N}]+/u
const MARKS = /\p{M}+/gu

/** Case-folds and strips accents from one word (what tags and terms are compared as). */
export function normaliseWord (word: string): string {
  return word.normalize('NFKD').replace(MARKS, '').toLowerCase().normalize('NFC')
}

/** True when `token` may be a term: 2..MAX_TOKEN_BYTES UTF-8 bytes, letters and digits only, not a stop word. */
export function isTerm (token: string): boolean {
  if (token.length < 2 || STOP_WORDS.has(token)) return false
  if (Buffer.byteLength(token, 'utf8') > MAX_TOKEN_BYTES) return false
  return !SPLIT.test(token)
}

/** Every term of `text` in order, repeats kept (the index counts them). */
export function * tokens (text: string): Generator<string> {
  for (const raw of normaliseWord(text).split(SPLIT)) {
    if (raw.length === 0) continue
    if (isTerm(raw)) yield raw
  }
}

/** The distinct terms of a query, in order, at most MAX_QUERY_TERMS of them. */
export function queryTerms (query: string): string[] {
  // A lone surrogate from a URL's percent-decoding becomes U+FFFD, which splits words.
  const text = wellFormed(query.length > MAX_QUERY_CHARS ? query.slice(0, MAX_QUERY_CHARS) : query)
  const out: string[] = []
  for (const t of tokens(text)) {
    if (!out.includes(t)) out.push(t)
    if (out.length >= MAX_QUERY_TERMS) break
  }
  return out
}

/** A tag word as given by a user: one normalised term, or undefined when it is none. */
export function tagWord (word: string): string | undefined {
  const w = normaliseWord(wellFormed(word).trim())
  return isTerm(w) ? w : undefined
}

/** Lone surrogates (from percent-decoding or a hostile query) become U+FFFD, which splits words. */
function wellFormed (s: string): string {
  return s.replace(/[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g, '\uFFFD')
}
