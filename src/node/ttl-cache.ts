/**
 * A bounded map whose entries expire: at most `maxEntries` (least recently
 * used evicted first), each with its own time to live. The clock is
 * injected so tests can move time without waiting.
 */
export class TtlCache<K, V> {
  private readonly entries = new Map<K, { value: V, expiresAt: number }>()
  private readonly maxEntries: number
  private readonly now: () => number

  constructor (opts: { maxEntries: number, now?: () => number }) {
    if (!Number.isInteger(opts.maxEntries) || opts.maxEntries < 1) throw new RangeError('maxEntries must be a positive integer')
    this.maxEntries = opts.maxEntries
    this.now = opts.now ?? Date.now
  }

  get size (): number { return this.entries.size }

  get (key: K): V | undefined {
    const entry = this.entries.get(key)
    if (entry === undefined) return undefined
    if (entry.expiresAt <= this.now()) {
      this.entries.delete(key)
      return undefined
    }
    // Re-insert to mark it most recently used (Map keeps insertion order).
    this.entries.delete(key)
    this.entries.set(key, entry)
    return entry.value
  }

  set (key: K, value: V, ttlMs: number): void {
    this.entries.delete(key)
    if (!(ttlMs > 0)) return
    this.entries.set(key, { value, expiresAt: this.now() + ttlMs })
    while (this.entries.size > this.maxEntries) {
      const oldest = this.entries.keys().next().value as K
      this.entries.delete(oldest)
    }
  }

  delete (key: K): void { this.entries.delete(key) }
  clear (): void { this.entries.clear() }
}
