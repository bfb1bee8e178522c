/**
 * Which segments of one station a node accepts: each sequence number once,
 * nothing older than the window, nothing stamped too far from the local
 * clock. Memory is fixed per station (a ring of `size` sequence numbers),
 * whatever a sender throws at it.
 *
 * Sequence numbers start from the broadcaster's clock (see broadcaster.ts),
 * so a restarted broadcaster continues above its old numbers; a jump of more
 * than the window is taken only from a segment newer in time than any seen,
 * which a replay can never be.
 */
export type WindowVerdict = 'ok' | 'replayed' | 'too-old' | 'too-far-ahead' | 'stale' | 'future'

export interface ReplayWindowOptions {
  /** Sequence numbers remembered. */
  size: number
  /** Oldest timestamp accepted, relative to the local clock. */
  maxAgeMs: number
  /** Clock skew tolerated ahead of the local clock. */
  maxAheadMs: number
}

export const DEFAULT_WINDOW: ReplayWindowOptions = { size: 4096, maxAgeMs: 30_000, maxAheadMs: 10_000 }

export class ReplayWindow {
  private readonly ring: Float64Array
  private highest = -1
  private newestTs = -1
  readonly options: ReplayWindowOptions

  constructor (options: Partial<ReplayWindowOptions> = {}) {
    this.options = { ...DEFAULT_WINDOW, ...options }
    this.ring = new Float64Array(this.options.size).fill(-1)
  }

  /** Checks without recording. */
  check (seq: number, timestampMs: number, now: number): WindowVerdict {
    const o = this.options
    if (timestampMs < now - o.maxAgeMs) return 'stale'
    if (timestampMs > now + o.maxAheadMs) return 'future'
    if (this.highest < 0) return 'ok'
    if (seq <= this.highest - o.size) return 'too-old'
    if (seq > this.highest + o.size && timestampMs <= this.newestTs) return 'too-far-ahead'
    if (this.ring[seq % o.size] === seq) return 'replayed'
    return 'ok'
  }

  /** Checks and, when 'ok', records. */
  accept (seq: number, timestampMs: number, now: number): WindowVerdict {
    const v = this.check(seq, timestampMs, now)
    if (v !== 'ok') return v
    if (seq > this.highest) {
      // Slots between the old highest and seq now stand for numbers never seen: clear what
      // they held, so an old entry cannot alias a new number.
      const from = Math.max(this.highest + 1, seq - this.options.size + 1)
      for (let s = from; s < seq; s++) this.ring[s % this.options.size] = -1
      this.highest = seq
    }
    this.ring[seq % this.options.size] = seq
    if (timestampMs > this.newestTs) this.newestTs = timestampMs
    return 'ok'
  }

  /** Whether `seq` was accepted (and is still inside the window). */
  has (seq: number): boolean {
    return seq >= 0 && this.ring[seq % this.options.size] === seq
  }

  get highestSeq (): number { return this.highest }
}
