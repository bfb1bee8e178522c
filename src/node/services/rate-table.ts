/**
 * At most one allowed event per key per interval, remembering the last time
 * of at most `max` keys (the oldest forgotten first), so a flood of distinct
 * keys cannot grow memory. The punch service limits requests per host with it,
 * the dial-back server its dial-backs per host.
 */
export class RateTable {
  private readonly last = new Map<string, number>()
  constructor (private readonly max: number) {}

  /** True (and `t` remembered for `key`) unless `key` was allowed less than `intervalMs` before `t`. */
  allow (key: string, t: number, intervalMs: number): boolean {
    const prev = this.last.get(key)
    if (prev !== undefined && t - prev < intervalMs) return false
    this.last.delete(key)
    this.last.set(key, t)
    while (this.last.size > this.max) this.last.delete(this.last.keys().next().value as string)
    return true
  }
}
