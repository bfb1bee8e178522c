import type { Posting } from './shard-codec.js'

/**
 * Ranking, at build time and at query time. At build time each (term,
 * document) pair gets one weight: BM25 over the document's text (title words
 * count TITLE_REPEAT times, tag words by their tag weight), times the
 * document's static boost from popularity (the demand counters) and tags. At
 * query time a document's score is the sum of its weights over the query's
 * terms; documents matching more of the terms come first, then the higher
 * score, then the lower document number (documents are numbered by static
 * rank, so ties go to the more popular, and then to the address's order).
 */
export const BM25_K1 = 1.2
export const BM25_B = 0.75
export const TITLE_REPEAT = 3
export const WEIGHT_SCALE = 1000

export function staticBoost (popularity: number, tagWeight: number): number {
  return 1 + 0.2 * Math.log1p(Math.max(0, popularity)) + 0.1 * Math.log1p(Math.max(0, tagWeight))
}

export function bm25 (tf: number, df: number, documents: number, length: number, averageLength: number): number {
  const idf = Math.log(1 + (documents - df + 0.5) / (df + 0.5))
  const norm = tf + BM25_K1 * (1 - BM25_B + BM25_B * length / Math.max(1, averageLength))
  return idf * tf * (BM25_K1 + 1) / norm
}

/** A score as a posting's u16 weight: never 0 (a posting always counts), saturating at 65535. */
export function quantise (score: number): number {
  return Math.max(1, Math.min(0xffff, Math.round(score * WEIGHT_SCALE)))
}

export interface RankedDoc { doc: number, matched: number, score: number }

/** Orders postings as a term shard keeps them: heaviest first, then by document number. */
export function comparePostings (a: Posting, b: Posting): number {
  return b.weight - a.weight || a.doc - b.doc
}

export function compareRanked (a: RankedDoc, b: RankedDoc): number {
  return b.matched - a.matched || b.score - a.score || a.doc - b.doc
}

/**
 * The top `limit` documents after `offset` for a query whose terms have these
 * posting lists (undefined: the term is in no document). Deterministic: equal
 * scores are ordered by document number.
 */
export function rankPostings (lists: ReadonlyArray<readonly Posting[] | undefined>, limit: number, offset = 0): { total: number, top: RankedDoc[] } {
  const acc = new Map<number, RankedDoc>()
  for (const list of lists) {
    if (list === undefined) continue
    for (const p of list) {
      const d = acc.get(p.doc)
      if (d === undefined) acc.set(p.doc, { doc: p.doc, matched: 1, score: p.weight })
      else { d.matched++; d.score += p.weight }
    }
  }
  const all = [...acc.values()].sort(compareRanked)
  return { total: all.length, top: all.slice(offset, offset + limit) }
}
