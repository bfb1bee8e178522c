import type { Heat } from './cache-value.js'
import type { Placement } from './chunk-meta-codec.js'

/**
 * The in-memory picture of what the chunk databases hold: per chunk its placement, size and
 * heat, plus running totals. Pure: it never touches the disk; ChunkStore keeps it in step
 * with LMDB and rebuilds it from `chunk-meta` on open.
 */
export interface IndexEntry {
  id: Buffer
  placement: Placement
  size: number
  heat: Heat
  /** This node's price per byte of the chunk (the seed's yield, see cache-value.ts); fixed per chunk. */
  price: number
  /** A publisher paid for this cached chunk's place until then (ms since the epoch): not evicted before. */
  paidUntil?: number
}

export interface Usage {
  localBytes: number
  localCount: number
  cacheBytes: number
  cacheCount: number
  cacheLimit: number
}

export class ChunkIndex {
  private readonly byKey = new Map<string, IndexEntry>()
  localBytes = 0
  localCount = 0
  cacheBytes = 0
  cacheCount = 0

  get (key: string): IndexEntry | undefined { return this.byKey.get(key) }
  get size (): number { return this.byKey.size }
  values (): IterableIterator<IndexEntry> { return this.byKey.values() }
  /** [key, entry] pairs, for the eviction policy (eviction-policy.ts). */
  entries (): IterableIterator<[string, IndexEntry]> { return this.byKey.entries() }

  add (key: string, e: IndexEntry): void {
    this.remove(key)
    this.byKey.set(key, e)
    this.count(e, +1)
  }

  remove (key: string): IndexEntry | undefined {
    const e = this.byKey.get(key)
    if (e === undefined) return undefined
    this.byKey.delete(key)
    this.count(e, -1)
    return e
  }

  move (key: string, to: Placement): IndexEntry | undefined {
    const e = this.byKey.get(key)
    if (e === undefined || e.placement === to) return e
    this.count(e, -1)
    e.placement = to
    this.count(e, +1)
    return e
  }

  clear (): void {
    this.byKey.clear()
    this.localBytes = this.localCount = this.cacheBytes = this.cacheCount = 0
  }

  usage (cacheLimit: number): Usage {
    return {
      localBytes: this.localBytes,
      localCount: this.localCount,
      cacheBytes: this.cacheBytes,
      cacheCount: this.cacheCount,
      cacheLimit
    }
  }

  private count (e: IndexEntry, sign: 1 | -1): void {
    if (e.placement === 'local') {
      this.localBytes += sign * e.size
      this.localCount += sign
    } else {
      this.cacheBytes += sign * e.size
      this.cacheCount += sign
    }
  }
}
