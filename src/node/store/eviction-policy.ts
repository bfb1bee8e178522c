import { type Heat, DEFAULT_HALF_LIFE_MS, cacheValue, closenessOf, heatAt, touch } from './cache-value.js'
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

/** A week, the term a paid place in the cache lasts (the seed: "bump the least profitable chunk for 1 week"). */
export const WEEK_MS = 7 * 24 * 3_600_000

/** A chunk whose place a publisher paid for, until `paidUntil`: no eviction chooses it before. */
export function isPaid (e: Pick<IndexEntry, 'paidUntil'>, now: number): boolean {
  return e.paidUntil !== undefined && e.paidUntil > now
}

/**
 * What the cached chunks a paid newcomer of `incoming` bytes would displace earn in a week:
 * the seed's price of publishing ("pay enough to bump the least profitable chunk for 1 week").
 * A chunk's heat is its accesses decayed with `halfLifeMs`, so a steady rate r gives
 * heat = r × halfLife / ln 2, and its week's revenue is r × week × size × price per byte.
 * The victims are the least valuable unpaid chunks, as eviction would pick them (worth is not
 * compared: the publisher pays for the place). Undefined when even every unpaid chunk would not
 * make room (the cache is all paid for, or smaller than the chunk).
 */
export function displacementQuote (index: EvictionCandidates, incoming: number, limit: number, now: number, halfLifeMs: number,
  exempt?: string): { victims: IndexEntry[], weeklyRevenue: number } | undefined {
  if (incoming > limit) return undefined
  const victims = selectVictims(index, incoming, limit, now, halfLifeMs, exempt, 0)
  let freed = 0
  let weeklyRevenue = 0
  for (const v of victims) {
    freed += v.size
    weeklyRevenue += heatAt(v.heat, now, halfLifeMs) * Math.LN2 / halfLifeMs * WEEK_MS * v.size * v.price
  }
  if (index.cacheBytes - freed + incoming > limit) return undefined
  return { victims, weeklyRevenue }
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

  /** The unpaid chunks a paid newcomer would displace and their week's revenue (see displacementQuote). */
  quote (index: EvictionCandidates, incoming: number, now: number, exempt?: string): { victims: IndexEntry[], weeklyRevenue: number } | undefined {
    return displacementQuote(index, incoming, this.limit, now, this.halfLifeMs, exempt)
  }

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
    if (e.placement !== 'cache' || key === exempt || isPaid(e, now)) continue
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
  // Paid places are not candidates: when they fill the cache, a newcomer finds no room.
  if (worth !== undefined && bytes + incoming > limit) return undefined
  return out
}
