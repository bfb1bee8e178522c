/**
 * Sliding anti-replay window over packet counters (RFC 6479 style bitmap).
 * `check` is called before decrypting (cheap rejection), `accept` only after
 * the packet authenticated, so a forged packet cannot move the window.
 */
export const REPLAY_WINDOW_BITS = 2048
const WORDS = REPLAY_WINDOW_BITS / 32
const MASK = WORDS - 1

export class ReplayWindow {
  private readonly bits = new Uint32Array(WORDS)
  /** Highest counter accepted so far; -1 before the first. */
  private top = -1

  /** True when `counter` is new and not too old. */
  check (counter: number): boolean {
    if (counter > this.top) return true
    // Keep one word of slack so the word being recycled is never consulted.
    if (this.top - counter >= REPLAY_WINDOW_BITS - 32) return false
    const word = Math.floor(counter / 32) & MASK
    return (this.bits[word] & (1 << (counter & 31))) === 0
  }

  /** Marks `counter` as seen; returns false if it was a replay. */
  accept (counter: number): boolean {
    if (!this.check(counter)) return false
    if (counter > this.top) {
      const oldWord = this.top < 0 ? -1 : Math.floor(this.top / 32)
      const newWord = Math.floor(counter / 32)
      const clear = Math.min(newWord - oldWord, WORDS)
      for (let i = 1; i <= clear; i++) this.bits[(oldWord + i) & MASK] = 0
      this.top = counter
    }
    const word = Math.floor(counter / 32) & MASK
    this.bits[word] |= 1 << (counter & 31)
    return true
  }
}
