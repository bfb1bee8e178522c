import { type Heat, cacheValue } from './cache-value.js'
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
  /** 1 + common prefix bits with the node id (see cache-value.ts). */
  closeness: number
}

export interface Usage {
  localBytes: number
  localCount: number
  cacheBytes: number
  cacheCount: number
  cacheLimit: number
}

export class ChunkIndex {
  private readonly entries = new Map<string, IndexEntry>()
  localBytes = 0
  localCount = 0
  cacheBytes = 0
  cacheCount = 0

  get (key: string): IndexEntry | undefined { return this.entries.get(key) }
  get size (): number { return this.entries.size }
  values (): IterableIterator<IndexEntry> { return this.entries.values() }

  add (key: string, e: IndexEntry): void {
    this.remove(key)
    this.entries.set(key, e)
    this.count(e, +1)
  }

  remove (key: string): IndexEntry | undefined {
    const e = this.entries.get(key)
    if (e === undefined) return undefined
    this.entries.delete(key)
    this.count(e, -1)
    return e
  }

  move (key: string, to: Placement): IndexEntry | undefined {
    const e = this.entries.get(key)
    if (e === undefined || e.placement === to) return e
    this.count(e, -1)
    e.placement = to
    this.count(e, +1)
    return e
  }

  clear (): void {
    this.entries.clear()
    this.localBytes = this.localCount = this.cacheBytes = this.cacheCount = 0
  }

  /**
   * The cache entries to evict so that `incoming` more bytes fit under `limit`, least
   * valuable first (ties: least recently used first). To avoid a full scan on every put
   * once the cache is full, it frees `slack` bytes beyond what is needed when it can.
   * `exempt` (the chunk being admitted) is never chosen. Returns [] when nothing is needed.
   */
  selectVictims (incoming: number, limit: number, now: number, halfLifeMs: number,
    exempt?: string, slack = Math.min(Math.floor(limit / 64), 64 * 1024 * 1024)): IndexEntry[] {
    if (this.cacheBytes + incoming <= limit) return []
    const target = incoming <= limit - slack ? limit - slack : limit
    const candidates: Array<{ key: string, e: IndexEntry, v: number }> = []
    for (const [key, e] of this.entries) {
      if (e.placement !== 'cache' || key === exempt) continue
      candidates.push({ key, e, v: cacheValue(e.heat, e.closeness, now, halfLifeMs) })
    }
    candidates.sort((a, b) => a.v - b.v || a.e.heat.at - b.e.heat.at)
    const out: IndexEntry[] = []
    let bytes = this.cacheBytes
    for (const c of candidates) {
      if (bytes + incoming <= target) break
      out.push(c.e)
      bytes -= c.e.size
    }
    return out
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
