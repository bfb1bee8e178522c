import { type RecordLoadStats, type RecordPersistence, emptyLoadStats } from './persistence.js'

/**
 * The records this node signed and keeps alive (kv records, name chains), by
 * id: what the owner re-sends (and renews) every interval until they expire.
 * With a persistence hook they outlive a restart, so the owner goes on
 * keeping them alive after it comes back. Bounded: each one costs the owner
 * traffic (and, for names, a proof of work) every round.
 */
export interface OwnedKind<R> {
  /** The 32-byte location a record is saved under. */
  locationOf: (r: R) => Buffer
  encode: (r: R) => Buffer
  expiresOf: (r: R) => number
  /**
   * The saved records that are this owner's and pass every rule, lazily, each
   * with its id; what is expired, unusable or another owner's is counted in
   * `stats` (and expired ones removed from the disk) by the kind.
   */
  load: (p: RecordPersistence, now: number, stats: RecordLoadStats) => Iterable<{ id: string, record: R }>
  /** Two saved records with one id: whether `loaded` replaces `held` (kv: the newer). Without it the second counts as invalid. */
  replaces?: (loaded: R, held: R) => boolean
}

export interface OwnedSetOptions {
  now: () => number
  maxRecords: number
  persistence?: RecordPersistence
}

export class OwnedSet<R> {
  private readonly records = new Map<string, R>()
  private readonly kind: OwnedKind<R>
  private readonly persistence?: RecordPersistence
  private readonly now: () => number
  readonly maxRecords: number
  /** What the load at construction found (all zero without persistence). */
  readonly loadStats: RecordLoadStats = emptyLoadStats()

  constructor (kind: OwnedKind<R>, opts: OwnedSetOptions) {
    if (!Number.isInteger(opts.maxRecords) || opts.maxRecords < 1) throw new RangeError('the most owned records must be a positive integer')
    this.kind = kind
    this.maxRecords = opts.maxRecords
    this.now = opts.now
    this.persistence = opts.persistence
    if (this.persistence !== undefined) this.loadFrom(this.persistence)
  }

  get size (): number { return this.records.size }

  get (id: string): R | undefined { return this.records.get(id) }

  has (id: string): boolean { return this.records.has(id) }

  ids (): string[] { return [...this.records.keys()] }

  /** A snapshot, so that the caller may set and delete while it walks. */
  entries (): Array<[string, R]> { return [...this.records] }

  /** True when `id` is held or there is room for one more (expired records are dropped to make it). */
  hasRoomFor (id: string): boolean {
    if (this.records.has(id) || this.records.size < this.maxRecords) return true
    this.prune()
    return this.records.size < this.maxRecords
  }

  set (id: string, record: R): void {
    this.records.set(id, record)
    this.persistence?.save(this.kind.locationOf(record), this.kind.encode(record))
  }

  /**
   * Resolves once every set and delete made so far is on disk (at once without persistence,
   * or with one that cannot tell): what an owner awaits before it reports a record as stored.
   */
  async saved (): Promise<void> {
    await this.persistence?.settled?.()
  }

  delete (id: string): void {
    const record = this.records.get(id)
    if (record === undefined) return
    this.records.delete(id)
    this.persistence?.remove(this.kind.locationOf(record))
  }

  /** Drops the expired records; returns how many went. */
  prune (): number {
    const t = this.now()
    let n = 0
    for (const [id, r] of this.entries()) {
      if (this.kind.expiresOf(r) <= t) { this.delete(id); n++ }
    }
    return n
  }

  private loadFrom (p: RecordPersistence): void {
    const stats = this.loadStats
    for (const { id, record } of this.kind.load(p, this.now(), stats)) {
      const held = this.records.get(id)
      if (held !== undefined) {
        if (this.kind.replaces === undefined) stats.invalid++
        else if (this.kind.replaces(record, held)) this.records.set(id, record)
        continue
      }
      if (this.records.size >= this.maxRecords) { stats.truncated = true; break }
      this.records.set(id, record)
      stats.loaded++
    }
  }
}
