/**
 * Counts kept by a pair of string keys for one event-loop turn and handed on
 * once at its end: what a hot path (a datagram, a relayed cell) would book
 * hundreds of thousands of times a second is added up here and booked once per
 * pair per turn. Consecutive calls for one pair (a flow's run of packets) skip
 * the lookup. Emptied by every flush, so it holds at most one turn's pairs.
 * `flush()` hands everything on at once (readers that need the last count, a
 * service that stops).
 */
export class TurnTally<T> {
  private entries = new Map<string, Map<string, T>>()
  private last?: T
  private lastA = ''
  private lastB = ''
  private scheduled = false

  constructor (
    /** A fresh count for the pair (a, b). */
    private readonly create: (a: string, b: string) => T,
    /** Books one pair's count; one that throws loses only that count. */
    private readonly hand: (entry: T) => void
  ) {}

  /** This turn's count for (a, b), made on first use: the caller adds to it. */
  entry (a: string, b: string): T {
    const last = this.last
    if (last !== undefined && this.lastA === a && this.lastB === b) return last
    let byB = this.entries.get(a)
    if (byB === undefined) { byB = new Map(); this.entries.set(a, byB) }
    let e = byB.get(b)
    if (e === undefined) { e = this.create(a, b); byB.set(b, e) }
    this.last = e
    this.lastA = a
    this.lastB = b
    if (!this.scheduled) {
      this.scheduled = true
      setImmediate(() => { this.flush() })
    }
    return e
  }

  /** Hands every count on now. */
  flush (): void {
    this.scheduled = false
    this.last = undefined
    if (this.entries.size === 0) return
    const entries = this.entries
    this.entries = new Map()
    for (const byB of entries.values()) {
      for (const e of byB.values()) {
        try { this.hand(e) } catch {}
      }
    }
  }
}
