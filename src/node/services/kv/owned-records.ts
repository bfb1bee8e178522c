import { OwnedSet } from '../records/owned-set.js'
import type { KvPersistence } from './kv-store.js'
import { savedRecords } from './kv-store.js'
import {
  DEFAULT_RECORD_POLICY, type KvRecord, type RecordPolicy, checkRecord, compareRecords, encodeRecord, recordLocation
} from './record.js'

/**
 * The kv records this node signed and republishes, by location (hex): an
 * OwnedSet whose records read back are checked in full (signatures too: they
 * are few and this node's own) and must be in this node's namespace. A later
 * put is numbered above them, so they must outlive a restart.
 */
export type OwnedRecords = OwnedSet<KvRecord>

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

const locationOf = (r: KvRecord): Buffer => recordLocation(r.namespace, r.key)

export function ownedRecords (opts: OwnedRecordsOptions): OwnedRecords {
  const policy = opts.policy ?? DEFAULT_RECORD_POLICY
  return new OwnedSet<KvRecord>({
    locationOf,
    encode: encodeRecord,
    expiresOf: r => r.expires,
    * load (p, now, stats) {
      for (const { record, location } of savedRecords(p, now, stats)) {
        if (!record.namespace.equals(opts.namespace) || checkRecord(record, now, policy) !== undefined) { stats.invalid++; continue }
        yield { id: location.toString('hex'), record }
      }
    },
    replaces: (loaded, held) => compareRecords(loaded, held) > 0
  }, { now: opts.now, maxRecords: opts.maxRecords ?? DEFAULT_MAX_OWNED_RECORDS, persistence: opts.persistence })
}

/** Keeps `record` if it is newer than the one held for its location. */
export function offerOwned (own: OwnedRecords, record: KvRecord): void {
  const id = locationOf(record).toString('hex')
  const held = own.get(id)
  if (held !== undefined && compareRecords(record, held) <= 0) return
  own.set(id, record)
}
