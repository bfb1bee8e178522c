import { type TagRecord, taggerRank } from './tag-record.js'

/**
 * How much a tag counts. A tagger's weight grows with its proof-of-work rank
 * (identities cost work to make) and with how many other taggers put the
 * same word on the same target (agreement); a key that tags many targets
 * (one key, many targets: the spam pattern) weighs less, in proportion
 * beyond SPAM_TARGETS. Pure: the same tags always give the same weights.
 */
export const SPAM_TARGETS = 20

export interface TagWeights {
  /** Per target (root id hex): each word's summed weight, heaviest first. */
  byTarget: Map<string, Array<{ word: string, weight: number }>>
  /** Per tagger (public key hex): the factor its tags were given before agreement. */
  taggers: Map<string, number>
}

export function taggerFactor (rank: number, targets: number): number {
  const rankPart = 1 + Math.min(rank, 32) / 8
  const spamPart = targets > SPAM_TARGETS ? SPAM_TARGETS / targets : 1
  return rankPart * spamPart
}

export function weighTags (tags: readonly TagRecord[]): TagWeights {
  // The newest tag per (tagger, target) only.
  const newest = new Map<string, TagRecord>()
  for (const t of tags) {
    const k = t.tagger.toString('hex') + t.targetId.toString('hex')
    const prev = newest.get(k)
    if (prev === undefined || prev.time < t.time) newest.set(k, t)
  }
  const targetsOf = new Map<string, Set<string>>()
  for (const t of newest.values()) {
    const who = t.tagger.toString('hex')
    let s = targetsOf.get(who)
    if (s === undefined) { s = new Set(); targetsOf.set(who, s) }
    s.add(t.targetId.toString('hex'))
  }
  const taggers = new Map<string, number>()
  for (const t of newest.values()) {
    const who = t.tagger.toString('hex')
    if (!taggers.has(who)) taggers.set(who, taggerFactor(taggerRank(t), targetsOf.get(who)?.size ?? 1))
  }
  // Agreement: the number of distinct taggers per (target, word).
  const votes = new Map<string, Map<string, number[]>>()
  for (const t of newest.values()) {
    const target = t.targetId.toString('hex')
    let words = votes.get(target)
    if (words === undefined) { words = new Map(); votes.set(target, words) }
    const f = taggers.get(t.tagger.toString('hex')) ?? 1
    for (const w of t.words) {
      const list = words.get(w) ?? []
      list.push(f)
      words.set(w, list)
    }
  }
  const byTarget = new Map<string, Array<{ word: string, weight: number }>>()
  for (const [target, words] of votes) {
    const list = [...words].map(([word, factors]) => {
      const sum = factors.reduce((a, b) => a + b, 0)
      // Each tagger beyond the first adds half again: agreement, not just a sum of votes.
      return { word, weight: sum * (1 + 0.5 * (factors.length - 1)) }
    })
    list.sort((a, b) => b.weight - a.weight || (a.word < b.word ? -1 : a.word > b.word ? 1 : 0))
    byTarget.set(target, list)
  }
  return { byTarget, taggers }
}
