/**
 * Datagram-size search for one session, after DPLPMTUD (RFC 8899), as a pure
 * state machine: the session sends the probes (PING padded to the size) and
 * reports what came back; this decides which size to try next.
 *
 * It starts at `base` (1,200 bytes, which every path must carry) and first
 * tries `max` (the interface MTU less the IP/UDP headers: a LAN or loopback
 * path usually carries it), then halves the gap between the largest size
 * confirmed and the smallest that failed `attempts` times, until the gap is
 * under `minStep`. A confirmed size is used at once. When the path stops
 * carrying it (a black hole: full-size packets go unanswered while the peer
 * was answering before), the session falls back to `base` and searches
 * again; and `raiseMs` after a search settled below `max` it searches up
 * again, as routes change.
 */
export interface MtuSearchOptions {
  base: number
  max: number
  /** Probes of one size before it counts as not carried; default 3. */
  attempts?: number
  /** Stop when the unknown gap is smaller than this; default 16 bytes. */
  minStep?: number
  /** Search up again this long after a search settled below max; default 10 min (RFC 8899 PMTU_RAISE_TIMER). */
  raiseMs?: number
}

export class MtuSearch {
  /** The largest size confirmed on this path: the size to send at. */
  current: number
  private low: number
  private high: number
  private candidate?: number
  private tries = 0
  private raiseAt = Infinity
  /** A (re)started search tries max first. */
  private fresh = true
  readonly stats = { probesConfirmed: 0, probesLost: 0, blackHoles: 0 }
  private readonly attempts: number
  private readonly minStep: number
  private readonly raiseMs: number

  constructor (private readonly opts: MtuSearchOptions) {
    this.current = this.low = opts.base
    this.high = opts.max
    this.attempts = opts.attempts ?? 3
    this.minStep = opts.minStep ?? 16
    this.raiseMs = opts.raiseMs ?? 600_000
    this.candidate = this.pick()
  }

  /** The size being probed, if a search is under way. */
  get probing (): number | undefined { return this.candidate }

  /**
   * Whether to send a probe of `probing` now: the first attempt at a size, or
   * another after the previous went unanswered (call on each probe timeout).
   * Returns false when that size has failed `attempts` times (the search moves on).
   */
  nextAttempt (now: number): boolean {
    if (this.candidate === undefined) {
      if (now < this.raiseAt) return false
      // Routes change: look for more room again.
      this.raiseAt = Infinity
      this.high = this.opts.max
      this.fresh = true
      this.candidate = this.pick()
      if (this.candidate === undefined) return false
    }
    if (this.tries < this.attempts) { this.tries++; return true }
    this.stats.probesLost++
    this.high = this.candidate - 1
    this.candidate = this.pick()
    this.tries = 0
    if (this.candidate === undefined) { this.settle(now); return false }
    this.tries = 1
    return true
  }

  /** A probe of `size` was answered: the path carries it. */
  confirmed (size: number, now: number): void {
    if (size !== this.candidate) return
    this.stats.probesConfirmed++
    this.current = this.low = size
    this.tries = 0
    this.candidate = this.pick()
    if (this.candidate === undefined) this.settle(now)
  }

  /** Full-size packets vanish: back to the base size, and search again from there. */
  blackHole (): void {
    this.stats.blackHoles++
    this.current = this.low = this.opts.base
    this.high = this.opts.max
    this.tries = 0
    this.raiseAt = Infinity
    this.fresh = true
    this.candidate = this.pick()
  }

  private settle (now: number): void {
    this.raiseAt = this.current < this.opts.max ? now + this.raiseMs : Infinity
  }

  private pick (): number | undefined {
    if (this.high - this.low < this.minStep) return undefined
    // The top first (most paths carry it), then halve the gap.
    if (this.fresh) { this.fresh = false; return this.high }
    return this.low + Math.ceil((this.high - this.low) / 2)
  }
}
