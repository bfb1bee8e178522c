/**
 * Bytes held by partially reassembled requests and responses. One pool per
 * link bounds them all; each session draws from it through its own share,
 * which is capped (`shareBytes`), so one session cannot hold more than that.
 * When the pool is full, a session that holds less than the largest holder
 * takes room from it: the largest holder's oldest partial message is dropped
 * (its sender retransmits). So however many peers hoard first fragments, a
 * session with little in reassembly still gets room, and the pool's bound holds.
 */
export interface ByteBudget {
  take: (n: number) => boolean
  give: (n: number) => void
}

/** What a share needs from the assemblers drawing on it. */
export interface Evictable {
  /** Drops the oldest partial message; false when none is held. */
  evictOldest: () => boolean
  /** Drops every partial message. */
  clear: () => void
}

export class ReassemblyBudget implements ByteBudget {
  used = 0
  private readonly shares = new Set<ReassemblyShare>()

  constructor (readonly maxBytes: number, readonly shareBytes = maxBytes) {}

  /** Takes from the pool directly, without fairness (a single assembler, tests). */
  take (n: number): boolean {
    if (this.used + n > this.maxBytes) return false
    this.used += n
    return true
  }

  give (n: number): void { this.used = Math.max(0, this.used - n) }

  /** A new session's share; `close()` it with the session. */
  share (): ReassemblyShare {
    const s = new ReassemblyShare(this)
    this.shares.add(s)
    return s
  }

  /** @internal Room for `n` bytes of `requester`, evicting from larger holders if the pool is full. */
  reserve (requester: ReassemblyShare, n: number): boolean {
    while (this.used + n > this.maxBytes) {
      let victim: ReassemblyShare | undefined
      for (const s of this.shares) {
        if (s !== requester && (victim === undefined || s.used > victim.used)) victim = s
      }
      // Only from a holder that would still hold more than the requester: no churn between equals.
      if (victim === undefined || victim.used <= requester.used + n || !victim.evictOldest()) return false
    }
    this.used += n
    return true
  }

  /** @internal */
  forget (s: ReassemblyShare): void { this.shares.delete(s) }
}

export class ReassemblyShare implements ByteBudget {
  used = 0
  private readonly holders: Evictable[] = []
  private closed = false

  constructor (private readonly pool: ReassemblyBudget) {}

  /** Registers an assembler drawing on this share (so the pool can evict from it). */
  attach (a: Evictable): void { this.holders.push(a) }

  take (n: number): boolean {
    if (this.closed || this.used + n > this.pool.shareBytes) return false
    if (!this.pool.reserve(this, n)) return false
    this.used += n
    return true
  }

  give (n: number): void {
    const k = Math.min(n, this.used)
    this.used -= k
    this.pool.give(k)
  }

  /** @internal */
  evictOldest (): boolean {
    for (const h of this.holders) if (h.evictOldest()) return true
    return false
  }

  /** The session ended: its partial messages go, and their bytes return to the pool. */
  close (): void {
    if (this.closed) return
    for (const h of this.holders) h.clear()
    this.closed = true
    this.pool.forget(this)
  }
}
