/**
 * "Not found" counts for chunk ids that were asked for and are not here — the seed's defence
 * against floods of queries for nonexistent chunks: a node answers with the count, so
 * searchers learn to stop early. The network chooses these ids, so the map is bounded: past
 * `capacity` ids the least recently asked-for one is forgotten (a Map iterates in insertion
 * order, and every hit re-inserts its key at the end).
 */
export const DEFAULT_MISSING_CAPACITY = 4096

export class MissingCounter {
  private readonly counts = new Map<string, number>()

  constructor (readonly capacity = DEFAULT_MISSING_CAPACITY) {
    if (!Number.isSafeInteger(capacity) || capacity < 1) throw new RangeError(`bad capacity ${capacity}`)
  }

  /** Counts one more request for `key`; returns the count including this one. */
  note (key: string): number {
    const n = (this.counts.get(key) ?? 0) + 1
    this.counts.delete(key)
    this.counts.set(key, n)
    if (this.counts.size > this.capacity) {
      const oldest = this.counts.keys().next().value as string
      this.counts.delete(oldest)
    }
    return n
  }

  /** The count without counting (0 when unknown or forgotten). */
  peek (key: string): number { return this.counts.get(key) ?? 0 }

  /** The chunk arrived: it is no longer missing. */
  clear (key: string): void { this.counts.delete(key) }

  get size (): number { return this.counts.size }
}
