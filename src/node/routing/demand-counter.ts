/**
 * The seed's "not found" counter: how many FIND_VALUE requests for a key this
 * node has seen without being able to answer. Nodes on lookup paths report it
 * back, so a searcher learns that a key is wanted and missing (and may stop
 * sooner), and a service can see which missing keys are in demand. Counts
 * halve every `halfLifeMs` so old interest fades, and the map is bounded: the
 * least recently bumped keys are forgotten first.
 *
 * Counts read rounded, not floored: one miss a second ago is still one.
 *
 * A miss may name its voter (the peer that asked): a voter counts once per
 * key while the key is remembered, so one peer asking a hundred times is one
 * miss, not a hundred (the seed's attack: query a chunk until nodes cache
 * it). Voters per key are bounded by `maxVoters`; past that the key stops
 * counting new ones, being far past any threshold by then.
 */
export interface DemandCounterOptions {
  maxKeys: number
  halfLifeMs: number
  maxVoters: number
}

interface Entry { count: number, at: number, voters?: Set<string> }

export class DemandCounter {
  private readonly entries = new Map<string, Entry>()
  readonly options: DemandCounterOptions

  constructor (options: Partial<DemandCounterOptions> = {}) {
    this.options = { maxKeys: 10_000, halfLifeMs: 60 * 60_000, maxVoters: 64, ...options }
  }

  get size (): number { return this.entries.size }

  /** Records one unanswered request (by `voter`, when known); returns the new count. */
  miss (key: Uint8Array, now: number, voter?: Uint8Array): number {
    const hex = Buffer.from(key.buffer, key.byteOffset, key.byteLength).toString('hex')
    const e = this.entries.get(hex)
    const who = voter === undefined ? undefined : Buffer.from(voter.buffer, voter.byteOffset, voter.byteLength).toString('hex')
    // A repeat vote, or one past the bound, changes nothing (not even the eviction order).
    if (e !== undefined && who !== undefined && (e.voters?.has(who) === true || (e.voters?.size ?? 0) >= this.options.maxVoters)) {
      return Math.round(this.decayed(e, now))
    }
    const count = (e !== undefined ? this.decayed(e, now) : 0) + 1
    const voters = e?.voters ?? (who !== undefined ? new Set<string>() : undefined)
    if (who !== undefined) voters?.add(who)
    if (e !== undefined) this.entries.delete(hex)
    else if (this.entries.size >= this.options.maxKeys) {
      const oldest = this.entries.keys().next().value
      if (oldest !== undefined) this.entries.delete(oldest)
    }
    this.entries.set(hex, voters === undefined ? { count, at: now } : { count, at: now, voters })
    return Math.round(count)
  }

  count (key: Uint8Array, now: number): number {
    const e = this.entries.get(Buffer.from(key.buffer, key.byteOffset, key.byteLength).toString('hex'))
    return e === undefined ? 0 : Math.round(this.decayed(e, now))
  }

  /** The key became available: its misses no longer mean anything. */
  clear (key: Uint8Array): void {
    this.entries.delete(Buffer.from(key.buffer, key.byteOffset, key.byteLength).toString('hex'))
  }

  /** The most wanted missing keys, for services deciding what to fetch or cache. */
  top (n: number, now: number): Array<{ key: Buffer, count: number }> {
    return [...this.entries.entries()]
      .map(([hex, e]) => ({ key: Buffer.from(hex, 'hex'), count: Math.round(this.decayed(e, now)) }))
      .sort((a, b) => b.count - a.count)
      .slice(0, n)
  }

  private decayed (e: Entry, now: number): number {
    const dt = Math.max(0, now - e.at)
    return e.count * Math.pow(0.5, dt / this.options.halfLifeMs)
  }
}
