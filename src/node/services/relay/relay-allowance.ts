/** Limits a relay puts on what it carries (relay-server.ts); each one bounds a table or a favour. */
export interface RelayLimits {
  /** Bytes relayed per ordered pair of nodes (a relayed session's one direction) before its packets are dropped. */
  maxBytesPerPair: number
  /** How long a pair may be relayed, from its first packet. */
  maxMsPerPair: number
  /** Pairs tracked at once, all sources together: the bound on the table; more are refused. */
  maxPairs: number
  /** Pairs one source node may hold in the table: one node cannot take every place. */
  maxPairsPerSource: number
}

export const DEFAULT_RELAY_LIMITS: RelayLimits = {
  maxBytesPerPair: 64 * 1024 * 1024,
  maxMsPerPair: 10 * 60_000,
  maxPairs: 256,
  maxPairsPerSource: 16
}

/** Why a packet may not pass: its pair spent its bytes or its time, or no new pair could be made. */
export type RelayVerdict = 'ok' | 'bytes' | 'time' | 'pairs' | 'source'

interface Pair { source: string, started: number, bytes: number }

/**
 * The bookkeeping of relay-server.ts, kept free of I/O (clock injected) so its limits are tested
 * alone. A pair is (source, destination) by node id. It is remembered for twice its time limit:
 * once its time ran out it stays refused for as long again, so a client cannot restart it at
 * once, and it keeps counting against its source's cap until then. Pairs are made in time
 * order, so the forgettable ones are always at the front of the table.
 */
export class RelayAllowance {
  readonly limits: RelayLimits
  private readonly pairs = new Map<string, Pair>()
  private readonly perSource = new Map<string, number>()

  constructor (limits: Partial<RelayLimits> = {}, private readonly now: () => number = Date.now) {
    this.limits = { ...DEFAULT_RELAY_LIMITS, ...limits }
  }

  /** Pairs held (live or refused until forgotten). */
  get size (): number { return this.pairs.size }

  /** Pairs `source` holds. */
  heldBy (source: string): number { return this.perSource.get(source) ?? 0 }

  /** Whether `bytes` more may pass from `source` to `destination`; counted when they may. */
  allow (source: string, destination: string, bytes: number): RelayVerdict {
    const t = this.now()
    const key = `${source}>${destination}`
    let p = this.pairs.get(key)
    if (p === undefined) {
      this.forgetOld(t)
      if (this.pairs.size >= this.limits.maxPairs) return 'pairs'
      if (this.heldBy(source) >= this.limits.maxPairsPerSource) return 'source'
      p = { source, started: t, bytes: 0 }
      this.pairs.set(key, p)
      this.perSource.set(source, this.heldBy(source) + 1)
    }
    if (t - p.started > this.limits.maxMsPerPair) return 'time'
    if (p.bytes + bytes > this.limits.maxBytesPerPair) return 'bytes'
    p.bytes += bytes
    return 'ok'
  }

  private forgetOld (t: number): void {
    for (const [key, p] of this.pairs) {
      if (t - p.started <= 2 * this.limits.maxMsPerPair) return
      this.pairs.delete(key)
      const n = this.heldBy(p.source) - 1
      if (n > 0) this.perSource.set(p.source, n)
      else this.perSource.delete(p.source)
    }
  }
}
