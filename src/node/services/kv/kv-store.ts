import { tryDecode } from '../../wire/codec.js'
import { packed } from '../../wire/detached.js'
import { type RecordLoadStats, type RecordPersistence, emptyLoadStats } from '../records/persistence.js'
import { KvErrorCode, type KvErrorCodeValue } from './errors.js'
import { type PeerQuotaOptions, type StoreSource, StoreQuota } from '../records/peer-quota.js'
import {
  DEFAULT_RECORD_POLICY, type KvRecord, MAX_KEY_BYTES, MAX_VALUE_BYTES, type RecordPolicy,
  checkRecord, compareRecords, decodeRecord, encodeRecord, recordLocation
} from './record.js'

/**
 * The records this node holds as a replica (or cache): one per location, the
 * newest valid one by compareRecords, expired ones dropped on sight. Bounded:
 * when full, a record for a new location is refused (KV_STORE_FULL) after the
 * expired ones are swept; a newer version of a held record always fits. A
 * record a peer sends for a new location also counts against that peer's
 * quota (see PeerQuota), checked before the signature so that a flood costs
 * this node no signature checks once the peer is over it (KV_OVER_QUOTA).
 *
 * In memory; a persistence hook lets the node back it with LMDB. Records read
 * back from the hook are decoded and checked for size and expiry but their
 * signatures are not verified again: they were verified before they were saved,
 * and the disk is ours.
 */
export type KvPersistence = RecordPersistence
export type KvLoadStats = RecordLoadStats
export const emptyKvLoadStats = emptyLoadStats

/**
 * The records saved in `p` that decode and are still live at `now` (and pass `keep`), with
 * their location and saved bytes; the rest are counted in `stats` (invalid: left on disk;
 * expired or not kept: removed from it). What to do with each live one is the caller's.
 */
export function * savedRecords (p: KvPersistence, now: number, stats: KvLoadStats,
  keep: (r: KvRecord) => boolean = () => true): Generator<{ record: KvRecord, location: Buffer, bytes: Uint8Array }> {
  for (const bytes of p.load()) {
    const record = tryDecode(decodeRecord, bytes)
    if (record === undefined) { stats.invalid++; continue }
    const location = recordLocation(record.namespace, record.key)
    if (record.expires <= now || !keep(record)) {
      stats.expired++
      p.remove(location)
      continue
    }
    yield { record, location, bytes }
  }
}

export interface KvStoreOptions {
  /** Most records held at once; default 10 000 (≈ 13 MB at the largest record size). */
  maxRecords?: number
  now?: () => number
  policy?: RecordPolicy
  persistence?: KvPersistence
  /** Limits on the new records one peer may bring; see PeerQuota. */
  quota?: PeerQuotaOptions
  /** The same limits per network (/24, /48); default twice a peer's; see StoreQuota. */
  networkQuota?: PeerQuotaOptions
}

export type OfferResult =
  | { accepted: true, /** false when an identical record was already held */ changed: boolean }
  | { accepted: false, code: KvErrorCodeValue }

/** `source`: the peer whose store took the slot; absent for local and loaded records. */
interface Entry { record: KvRecord, encoded: Buffer, source?: StoreSource }

export const DEFAULT_MAX_RECORDS = 10_000

export class KvStore {
  private readonly entries = new Map<string, Entry>()
  private readonly maxRecords: number
  private readonly now: () => number
  private readonly policy: RecordPolicy
  private readonly persistence?: KvPersistence
  readonly quota: StoreQuota
  /** What the load at construction found (all zero without persistence). */
  readonly loadStats: KvLoadStats = emptyKvLoadStats()

  constructor (opts: KvStoreOptions = {}) {
    this.maxRecords = opts.maxRecords ?? DEFAULT_MAX_RECORDS
    if (!Number.isInteger(this.maxRecords) || this.maxRecords < 1) throw new RangeError('maxRecords must be a positive integer')
    this.now = opts.now ?? Date.now
    this.policy = opts.policy ?? DEFAULT_RECORD_POLICY
    this.persistence = opts.persistence
    this.quota = new StoreQuota({ now: this.now, perPeer: opts.quota, perNetwork: opts.networkQuota })
    if (this.persistence !== undefined) this.loadFrom(this.persistence)
  }

  get size (): number { return this.entries.size }

  /**
   * Validates and, if it is the newest valid record for its location, stores it.
   * `source` is the peer that sent it (see storeSourceOf); undefined for this node's own.
   */
  offer (record: KvRecord, source?: StoreSource): OfferResult {
    const now = this.now()
    const location = recordLocation(record.namespace, record.key)
    const id = location.toString('hex')
    const held = this.live(id, now)
    let encoded: Buffer
    try {
      encoded = encodeRecord(record)
    } catch {
      return { accepted: false, code: KvErrorCode.MALFORMED }
    }
    // A republished copy of what we hold was verified when it first came: skip the signature.
    if (held !== undefined && held.encoded.equals(encoded)) return { accepted: true, changed: false }
    if (held === undefined && source !== undefined && !this.quota.allows(source)) return { accepted: false, code: KvErrorCode.OVER_QUOTA }
    const code = checkRecord(record, now, this.policy)
    if (code !== undefined) return { accepted: false, code }
    if (held !== undefined && compareRecords(record, held.record) <= 0) {
      return { accepted: false, code: KvErrorCode.STALE_SEQUENCE }
    }
    if (held === undefined && this.entries.size >= this.maxRecords) {
      this.prune()
      if (this.entries.size >= this.maxRecords) return { accepted: false, code: KvErrorCode.STORE_FULL }
    }
    // A newer version stays charged to the peer that took the slot.
    const charged = held !== undefined ? held.source : source
    if (held === undefined && source !== undefined) this.quota.charge(source)
    // Held for its lifetime: bytes of their own, and the record decoded from them (its fields
    // were views into the message it came in).
    const kept = packed({ record, encoded })
    this.entries.set(id, { ...kept, source: charged })
    this.persistence?.save(location, kept.encoded)
    return { accepted: true, changed: true }
  }

  get (location: Uint8Array): KvRecord | undefined {
    return this.live(Buffer.from(location).toString('hex'), this.now())?.record
  }

  /** The held record's bytes, as a value provider serves them. */
  getEncoded (location: Uint8Array): Buffer | undefined {
    return this.live(Buffer.from(location).toString('hex'), this.now())?.encoded
  }

  /** Every live record (expired ones are skipped, not removed). */
  * records (): IterableIterator<KvRecord> {
    const now = this.now()
    for (const e of this.entries.values()) if (e.record.expires > now) yield e.record
  }

  /** Drops every expired record; returns how many went. */
  prune (): number {
    const now = this.now()
    let n = 0
    for (const [id, e] of this.entries) {
      if (e.record.expires <= now) { this.drop(id); n++ }
    }
    return n
  }

  private live (id: string, now: number): Entry | undefined {
    const e = this.entries.get(id)
    if (e === undefined) return undefined
    if (e.record.expires <= now) { this.drop(id); return undefined }
    return e
  }

  private drop (id: string): void {
    const source = this.entries.get(id)?.source
    if (source !== undefined) this.quota.release(source)
    this.entries.delete(id)
    this.persistence?.remove(Buffer.from(id, 'hex'))
  }

  private loadFrom (p: KvPersistence): void {
    const stats = this.loadStats
    const withinLimits = (r: KvRecord): boolean => r.key.length <= MAX_KEY_BYTES && r.value.length <= MAX_VALUE_BYTES
    for (const { record, location, bytes } of savedRecords(p, this.now(), stats, withinLimits)) {
      const id = location.toString('hex')
      const held = this.entries.get(id)
      if (held !== undefined && compareRecords(record, held.record) <= 0) continue
      if (held === undefined && this.entries.size >= this.maxRecords) { stats.truncated = true; break }
      if (held === undefined) stats.loaded++
      this.entries.set(id, packed({ record, encoded: Buffer.from(bytes) }))
    }
  }
}
