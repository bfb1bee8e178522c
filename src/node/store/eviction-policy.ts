import { type Heat, DEFAULT_HALF_LIFE_MS, cacheValue, closenessOf, touch } from './cache-value.js'
import type { IndexEntry } from './chunk-index.js'

/**
 * Which cached chunks the cache gives up, and how a chunk earns its place: the lowest value
 * (heat × closeness, cache-value.ts) goes first. Pure: it decides, ChunkStore takes the
 * victims out of its index and deletes their rows.
 */
export interface EvictionPolicyOptions {
  /** Bound on the bytes of cached chunks. */
  limit: number
  /** The node id; eviction favours chunks near it. Without it, heat alone decides. */
  nodeId?: Uint8Array
  /** Half-life of an access in the heat score. */
  halfLifeMs?: number
}

/** The cache entries of an index with their keys, and their total bytes. */
export interface EvictionCandidates {
  readonly cacheBytes: number
  entries: () => Iterable<[string, IndexEntry]>
}

export class EvictionPolicy {
  readonly limit: number
  readonly halfLifeMs: number
  private readonly nodeId: Uint8Array | undefined

  constructor (o: EvictionPolicyOptions) {
    this.limit = o.limit
    this.halfLifeMs = o.halfLifeMs ?? DEFAULT_HALF_LIFE_MS
    this.nodeId = o.nodeId
  }

  /** A chunk larger than the whole cache is never cached. */
  fits (size: number): boolean { return size <= this.limit }

  /** The closeness weight of a chunk id (fixed per chunk, kept in its index entry). */
  closeness (chunkId: Uint8Array): number { return closenessOf(this.nodeId, chunkId) }

  /** Counts `weight` accesses of a cached chunk at `now` (in place). */
  access (heat: Heat, now: number, weight: number): void { touch(heat, now, this.halfLifeMs, weight) }

  /** The entries to evict so that `incoming` more bytes fit (see selectVictims). */
  victims (index: EvictionCandidates, incoming: number, now: number, exempt?: string): IndexEntry[] {
    return selectVictims(index, incoming, this.limit, now, this.halfLifeMs, exempt)
  }
}

/**
 * The cache entries to evict so that `incoming` more bytes fit under `limit`, least
 * valuable first (ties: least recently used first). To avoid a full scan on every put
 * once the cache is full, it frees `slack` bytes beyond what is needed when it can.
 * `exempt` (the chunk being admitted) is never chosen. Returns [] when nothing is needed.
 */
export function selectVictims (index: EvictionCandidates, incoming: number, limit: number, now: number, halfLifeMs: number,
  exempt?: string, slack = Math.min(Math.floor(limit / 64), 64 * 1024 * 1024)): IndexEntry[] {
  if (index.cacheBytes + incoming <= limit) return []
  const target = incoming <= limit - slack ? limit - slack : limit
  const candidates: Array<{ e: IndexEntry, v: number }> = []
  for (const [key, e] of index.entries()) {
    if (e.placement !== 'cache' || key === exempt) continue
    candidates.push({ e, v: cacheValue(e.heat, e.closeness, now, halfLifeMs) })
  }
  candidates.sort((a, b) => a.v - b.v || a.e.heat.at - b.e.heat.at)
  const out: IndexEntry[] = []
  let bytes = index.cacheBytes
  for (const c of candidates) {
    if (bytes + incoming <= target) break
    out.push(c.e)
    bytes -= c.e.size
  }
  return out
}
