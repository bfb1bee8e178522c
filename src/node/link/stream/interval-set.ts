/**
 * A set of non-negative integers kept as sorted, disjoint, non-touching
 * half-open intervals [start, end). The receiver uses it for the packets it
 * holds above its cumulative point (its SACK ranges); the sender for the
 * packets the peer has SACKed. Both see at most a few hundred intervals (one
 * per hole), so sorted arrays with binary search beat anything cleverer.
 */
export class IntervalSet {
  private starts: number[] = []
  private ends: number[] = []

  get count (): number { return this.starts.length }
  startAt (i: number): number { return this.starts[i] }
  endAt (i: number): number { return this.ends[i] }
  /** Largest member + 1, or undefined when empty. */
  get max (): number | undefined { return this.ends.length === 0 ? undefined : this.ends[this.ends.length - 1] }

  has (x: number): boolean {
    const i = this.firstEndingAfter(x)
    return i < this.starts.length && this.starts[i] <= x
  }

  /**
   * Adds [start, end); calls `onNew` for each sub-interval that was not in the
   * set before, in ascending order.
   */
  add (start: number, end: number, onNew?: (start: number, end: number) => void): void {
    if (end <= start) return
    // First interval that overlaps or touches [start, end).
    let i = this.firstEndingAfter(start - 1)
    let j = i
    let cursor = start
    let mergedStart = start
    let mergedEnd = end
    while (j < this.starts.length && this.starts[j] <= end) {
      const s = this.starts[j]; const e = this.ends[j]
      if (onNew !== undefined && s > cursor) onNew(cursor, Math.min(s, end))
      if (e > cursor) cursor = e
      if (s < mergedStart) mergedStart = s
      if (e > mergedEnd) mergedEnd = e
      j++
    }
    if (onNew !== undefined && cursor < end) onNew(cursor, end)
    if (j === i) {
      this.starts.splice(i, 0, mergedStart)
      this.ends.splice(i, 0, mergedEnd)
    } else {
      this.starts[i] = mergedStart
      this.ends[i] = mergedEnd
      i++
      if (j > i) { this.starts.splice(i, j - i); this.ends.splice(i, j - i) }
    }
  }

  /** Forgets every member below x. */
  removeBelow (x: number): void {
    const i = this.firstEndingAfter(x)
    if (i > 0) { this.starts.splice(0, i); this.ends.splice(0, i) }
    if (this.starts.length > 0 && this.starts[0] < x) this.starts[0] = x
  }

  clear (): void { this.starts = []; this.ends = [] }

  /** Index of the first interval whose end is > x (i.e. that contains x or lies above). */
  private firstEndingAfter (x: number): number {
    let lo = 0; let hi = this.ends.length
    while (lo < hi) {
      const mid = (lo + hi) >>> 1
      if (this.ends[mid] > x) hi = mid
      else lo = mid + 1
    }
    return lo
  }
}
