import { commonPrefixLength } from '../routing/distance.js'

/**
 * How much a cached chunk is worth keeping — the pure core of cache eviction.
 *
 *   heat(t)    = Σ over accesses a of 2^(−(t − t_a) / halfLife)
 *                (one full read counts 1; a slice of k bytes out of n counts k/n)
 *   closeness  = 1 + commonPrefixLength(nodeId, chunkId) = 257 − log2(nodeId ⊕ chunkId)
 *   value(t)   = heat(t) × closeness
 *
 * The cache evicts the lowest value first. `closeness` is the seed's price per byte served
 * ("BYTES × (160 − log2(NID ⊕ CID))", here with 256-bit ids): a node earns more for serving
 * chunks near its id, so a chunk sharing 10 leading bits with the node is worth 11 times a
 * random one at equal heat. Size cancels out: a chunk earns heat × size × closeness and
 * occupies size bytes, so the value per byte of disk is heat × closeness.
 *
 * (Dividing heat by log2 distance, as first suggested, barely discriminates with 256-bit ids:
 * almost every chunk is at log2 distance 250..256. The common-prefix weight spreads them.)
 *
 * Heat is kept as (score, at): heat(t) = score × 2^(−(t − at) / halfLife), so an access is
 * O(1): score ← heat(now) + w, at ← now. A chunk enters the cache with heat 1, because a node
 * caches a chunk when someone asked for it.
 */
export const DEFAULT_HALF_LIFE_MS = 24 * 3600 * 1000

export interface Heat {
  score: number
  at: number // ms since epoch
}

export function heatAt (h: Heat, now: number, halfLifeMs: number): number {
  const dt = now - h.at
  return dt <= 0 ? h.score : h.score * Math.pow(2, -dt / halfLifeMs)
}

/** Adds `weight` accesses at `now` (in place). */
export function touch (h: Heat, now: number, halfLifeMs: number, weight = 1): void {
  h.score = heatAt(h, now, halfLifeMs) + weight
  h.at = Math.max(h.at, now)
}

/** 1 + common prefix bits; 1 for every chunk when the node id is not known. */
export function closenessOf (nodeId: Uint8Array | undefined, chunkId: Uint8Array): number {
  return nodeId === undefined ? 1 : 1 + commonPrefixLength(nodeId, chunkId)
}

export function cacheValue (h: Heat, closeness: number, now: number, halfLifeMs: number): number {
  return heatAt(h, now, halfLifeMs) * closeness
}
