import { type Heat, DEFAULT_HALF_LIFE_MS, cacheValue, closenessOf, touch } from './cache-value.js'
import type { IndexEntry } from './chunk-index.js'

/**
 * Which cached chunks the cache gives up, and how a chunk earns its place: the seed's expected
 * revenue, access frequency × this node's price for the chunk (heat × price, cache-value.ts;
 * the price is accounting/price.ts chunkBytePrice, injected as `bytePrice`). The lowest value
 * goes first, and a newcomer displaces only chunks worth less than itself. Pure: it decides,
 * ChunkStore takes the victims out of its index and deletes their rows.
 */
export interface EvictionPolicyOptions {
  /** Bound on the bytes of cached chunks. */
  limit: number
  /** The node id; eviction favours chunks near it. Without it (and without bytePrice), heat alone decides. */
  nodeId?: Uint8Array
  /** This node's price per byte of a chunk; default closenessOf(nodeId, id), the same figure for distinct ids. */
  bytePrice?: (chunkId: Uint8Array) => number
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
  private readonly bytePrice: ((chunkId: Uint8Array) => number) | undefined

  constructor (o: EvictionPolicyOptions) {
    this.limit = o.limit
    this.halfLifeMs = o.halfLifeMs ?? DEFAULT_HALF_LIFE_MS
    this.nodeId = o.nodeId
    this.bytePrice = o.bytePrice
  }

  /** A chunk larger than the whole cache is never cached. */
  fits (size: number): boolean { return size <= this.limit }

  /** This node's price per byte of a chunk (fixed per chunk, kept in its index entry). */
  price (chunkId: Uint8Array): number {
    const p = this.bytePrice?.(chunkId)
    return p !== undefined && Number.isFinite(p) && p > 0 ? p : closenessOf(this.nodeId, chunkId)
  }

  /** Counts `weight` accesses of a cached chunk at `now` (in place). */
  access (heat: Heat, now: number, weight: number): void { touch(heat, now, this.halfLifeMs, weight) }

  /** The entries to evict so that `incoming` more bytes fit (see selectVictims). */
  victims (index: EvictionCandidates, incoming: number, now: number, exempt?: string): IndexEntry[]
  victims (index: EvictionCandidates, incoming: number, now: number, exempt: string | undefined, worth: number | undefined): IndexEntry[] | undefined
  victims (index: EvictionCandidates, incoming: number, now: number, exempt?: string, worth?: number): IndexEntry[] | undefined {
    return selectVictims(index, incoming, this.limit, now, this.halfLifeMs, exempt, undefined, worth)
  }
}

/**
 * The cache entries to evict so that `incoming` more bytes fit under `limit`, least
 * valuable first (ties: least recently used first). To avoid a full scan on every put
 * once the cache is full, it frees `slack` bytes beyond what is needed when it can.
 * `exempt` (the chunk being admitted) is never chosen. Returns [] when nothing is needed.
 *
 * With `worth` (the value of the chunk coming in), the seed's rule: a newcomer must beat the
 * least profitable chunk. Undefined (the newcomer is refused) when making room would evict a
 * chunk worth more than it (ties go to the newcomer, as in LRU); the slack stops at the first
 * chunk worth as much.
 */
export function selectVictims (index: EvictionCandidates, incoming: number, limit: number, now: number, halfLifeMs: number,
  exempt?: string, slack?: number): IndexEntry[]
export function selectVictims (index: EvictionCandidates, incoming: number, limit: number, now: number, halfLifeMs: number,
  exempt: string | undefined, slack: number | undefined, worth: number | undefined): IndexEntry[] | undefined
export function selectVictims (index: EvictionCandidates, incoming: number, limit: number, now: number, halfLifeMs: number,
  exempt?: string, slack = Math.min(Math.floor(limit / 64), 64 * 1024 * 1024), worth?: number): IndexEntry[] | undefined {
  if (index.cacheBytes + incoming <= limit) return []
  const target = incoming <= limit - slack ? limit - slack : limit
  const candidates: Array<{ e: IndexEntry, v: number }> = []
  for (const [key, e] of index.entries()) {
    if (e.placement !== 'cache' || key === exempt) continue
    candidates.push({ e, v: cacheValue(e.heat, e.price, now, halfLifeMs) })
  }
  candidates.sort((a, b) => a.v - b.v || a.e.heat.at - b.e.heat.at)
  const out: IndexEntry[] = []
  let bytes = index.cacheBytes
  for (const c of candidates) {
    if (bytes + incoming <= target) break
    if (worth !== undefined) {
      // The room itself would cost a chunk worth more: refused (a tie goes to the newcomer, as in LRU).
      if (bytes + incoming > limit && c.v > worth) return undefined
      // Only the slack: nothing worth as much as the newcomer goes for it.
      if (bytes + incoming <= limit && c.v >= worth) break
    }
    out.push(c.e)
    bytes -= c.e.size
  }
  return out
}
