import { PACING_BURST_MAX_FRAMES, PACING_BURST_MIN_FRAMES, PACING_BURST_MS } from './constants.js'

/**
 * A token bucket that spreads a window's worth of frames over the round trip
 * instead of sending it in one tick: loopback UDP and shallow router buffers
 * drop such bursts. Tokens (bytes) accrue at the pacing rate; the bucket holds
 * PACING_BURST_MS of sending, between PACING_BURST_MIN_FRAMES and
 * PACING_BURST_MAX_FRAMES frames, so a late timer does not turn into a burst.
 * A rate of Infinity (no RTT sample yet) means unpaced.
 */
export class Pacer {
  private tokens: number
  private last: number
  private rate = Infinity // bytes per ms

  constructor (private readonly mtu: number, now: number) {
    this.tokens = PACING_BURST_MIN_FRAMES * mtu
    this.last = now
  }

  get bytesPerMs (): number { return this.rate }

  setRate (bytesPerMs: number, now: number): void {
    this.refill(now)
    this.rate = bytesPerMs > 0 ? bytesPerMs : Infinity
  }

  private get capacity (): number {
    const byTime = this.rate * PACING_BURST_MS
    return Math.min(PACING_BURST_MAX_FRAMES * this.mtu, Math.max(PACING_BURST_MIN_FRAMES * this.mtu, byTime))
  }

  refill (now: number): void {
    const dt = now - this.last
    this.last = now
    if (dt > 0) this.tokens = Math.min(this.capacity, this.tokens + dt * this.rate)
  }

  canSend (bytes: number): boolean { return this.rate === Infinity || this.tokens >= bytes }

  consume (bytes: number): void { if (this.rate !== Infinity) this.tokens -= bytes }

  /** Milliseconds until `bytes` tokens are available. */
  delayFor (bytes: number): number {
    if (this.canSend(bytes)) return 0
    return (bytes - this.tokens) / this.rate
  }
}
