import { type KvLoadStats, type KvPersistence, emptyKvLoadStats, savedRecords } from './kv-store.js'
import {
  DEFAULT_RECORD_POLICY, type KvRecord, type RecordPolicy, checkRecord, compareRecords, encodeRecord, recordLocation
} from './record.js'

/**
 * The records this node signed and keeps alive, by location: what the owner
 * re-sends every republish interval until they expire. With a persistence
 * hook they outlive a restart, so the owner goes on republishing them (and
 * numbering later puts above them) after it comes back.
 *
 * Records read back are checked in full (signatures too: they are few and
 * this node's own) and must be in this node's namespace; expired ones are
 * removed from the disk.
 */

export interface OwnedRecordsOptions {
  /** This node's public key: the namespace every owned record is in. */
  namespace: Buffer
  now: () => number
  policy?: RecordPolicy
  /** Most records this node keeps alive; default 10 000 (each is re-sent to k replicas every hour). */
  maxRecords?: number
  persistence?: KvPersistence
}

export const DEFAULT_MAX_OWNED_RECORDS = 10_000

export class OwnedRecords {
  private readonly records = new Map<string, KvRecord>()
  private readonly persistence?: KvPersistence
  private readonly now: () => number
  readonly maxRecords: number
  /** What the load at construction found (all zero without persistence). */
  readonly loadStats: KvLoadStats = emptyKvLoadStats()

  constructor (opts: OwnedRecordsOptions) {
    this.maxRecords = opts.maxRecords ?? DEFAULT_MAX_OWNED_RECORDS
    if (!Number.isInteger(this.maxRecords) || this.maxRecords < 1) throw new RangeError('maxRecords must be a positive integer')
    this.now = opts.now
    this.persistence = opts.persistence
    if (this.persistence !== undefined) this.loadFrom(this.persistence, opts)
  }

  get size (): number { return this.records.size }

  /** By location (hex). */
  get (id: string): KvRecord | undefined { return this.records.get(id) }

  /** True when `id` is held or there is room for one more (expired records are dropped to make it). */
  hasRoomFor (id: string): boolean {
    if (this.records.has(id) || this.records.size < this.maxRecords) return true
    this.prune()
    return this.records.size < this.maxRecords
  }

  /** Keeps `record` if it is newer than the one held for its location. */
  offer (record: KvRecord): void {
    const location = recordLocation(record.namespace, record.key)
    const id = location.toString('hex')
    const held = this.records.get(id)
    if (held !== undefined && compareRecords(record, held) <= 0) return
    this.records.set(id, record)
    this.persistence?.save(location, encodeRecord(record))
  }

  /** A snapshot, so that the caller may delete while it walks. */
  entries (): Array<[string, KvRecord]> { return [...this.records] }

  delete (id: string): void {
    if (!this.records.delete(id)) return
    this.persistence?.remove(Buffer.from(id, 'hex'))
  }

  /** Drops the expired records; returns how many went. */
  prune (): number {
    const t = this.now()
    let n = 0
    for (const [id, r] of this.entries()) {
      if (r.expires <= t) { this.delete(id); n++ }
    }
    return n
  }

  private loadFrom (p: KvPersistence, opts: OwnedRecordsOptions): void {
    const now = this.now()
    const stats = this.loadStats
    for (const { record, location } of savedRecords(p, now, stats)) {
      if (!record.namespace.equals(opts.namespace) || checkRecord(record, now, opts.policy ?? DEFAULT_RECORD_POLICY) !== undefined) {
        stats.invalid++
        continue
      }
      const id = location.toString('hex')
      const held = this.records.get(id)
      if (held !== undefined) {
        if (compareRecords(record, held) > 0) this.records.set(id, record)
        continue
      }
      if (this.records.size >= this.maxRecords) { stats.truncated = true; break }
      this.records.set(id, record)
      stats.loaded++
    }
  }
}
