/**
 * A token bucket: `ratePerSec` tokens refill continuously up to `burst`; each
 * take() spends one. Shared by the tunnels layer: CREATEs per channel,
 * introductions per intro point and per service, lookups at a network exit,
 * so a flood costs the flooder time, not the node memory.
 */
export class TokenBucket {
  private tokens: number
  private at: number

  constructor (private readonly ratePerSec: number, private readonly burst: number, private readonly now: () => number = Date.now) {
    if (!(ratePerSec > 0) || !(burst >= 1)) throw new RangeError(`a token bucket needs rate > 0 and burst >= 1, not ${ratePerSec}/${burst}`)
    this.tokens = burst
    this.at = now()
  }

  /** Spends one token; false (nothing spent) when the bucket is empty. */
  take (): boolean {
    this.refill()
    if (this.tokens < 1) return false
    this.tokens -= 1
    return true
  }

  /**
   * Spends `n` tokens at once, into debt if need be, and says how many milliseconds the caller
   * must wait before using them (0: at once): callers are paced in arrival order (the bandwidth
   * a node sells, chunks/sell-policy.ts).
   */
  reserve (n: number): number {
    this.refill()
    this.tokens -= n
    return this.tokens >= 0 ? 0 : Math.ceil(-this.tokens * 1000 / this.ratePerSec)
  }

  /** Whole tokens left now. */
  get available (): number {
    this.refill()
    return Math.floor(this.tokens)
  }

  private refill (): void {
    const t = this.now()
    const elapsed = Math.max(0, t - this.at)
    this.at = t
    this.tokens = Math.min(this.burst, this.tokens + elapsed * this.ratePerSec / 1000)
  }
}
