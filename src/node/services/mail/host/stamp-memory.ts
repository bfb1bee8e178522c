/**
 * The stamps a host took, remembered for as long as their tokens are fresh
 * (the token's window and the next): a replayed stamp is refused, and once
 * its token is stale the token check refuses it anyway, so the memory can
 * forget it. Bounded: when full, a new stamp is refused (MAIL_HOST_BUSY)
 * rather than an old one forgotten, which would let it be replayed.
 */
export const DEFAULT_MAX_STAMPS = 100_000

export class StampMemory {
  /** window → stamp hashes (hex) taken with a token of that window. */
  private readonly byWindow = new Map<number, Set<string>>()
  private count = 0

  constructor (readonly maxStamps = DEFAULT_MAX_STAMPS) {
    if (!Number.isInteger(maxStamps) || maxStamps < 1) throw new RangeError('maxStamps must be a positive integer')
  }

  get size (): number { return this.count }

  has (hash: Buffer): boolean {
    const key = hash.toString('hex')
    for (const set of this.byWindow.values()) if (set.has(key)) return true
    return false
  }

  /** Forgets the windows older than `current - 1` (their tokens are stale). */
  forgetBefore (current: number): void {
    for (const [w, set] of this.byWindow) {
      if (w < current - 1) { this.count -= set.size; this.byWindow.delete(w) }
    }
  }

  /** False when full (the caller refuses the push). */
  add (hash: Buffer, window: number): boolean {
    if (this.count >= this.maxStamps) return false
    let set = this.byWindow.get(window)
    if (set === undefined) { set = new Set(); this.byWindow.set(window, set) }
    const key = hash.toString('hex')
    if (!set.has(key)) { set.add(key); this.count++ }
    return true
  }
}
