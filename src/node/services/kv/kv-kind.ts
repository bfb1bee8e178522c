import { tryDecode } from '../../wire/codec.js'
import type { ReadableKind, RecordHolder } from '../records/record-kind.js'
import { VALUE_KIND } from '../service-network.js'
import { KvErrorCode, type KvErrorCodeValue } from './errors.js'
import type { KvStore } from './kv-store.js'
import { KV_SERVICE, kvCodecs } from './messages.js'
import { type KvRecord, type RecordPolicy, checkRecord, compareRecords, decodeRecord, recordLocation } from './record.js'

/**
 * kv as a record kind: signed records at SHA-256(namespace ‖ key), the newest
 * (by sequence, see compareRecords) wins; the limits are the RecordPolicy's
 * and KvStore's.
 */
export function kvRecordKind (now: () => number, policy: RecordPolicy): ReadableKind<KvRecord, Buffer, KvErrorCodeValue> {
  return {
    service: KV_SERVICE,
    valueKind: VALUE_KIND.kvRecord,
    ...kvCodecs,
    malformed: KvErrorCode.MALFORMED,
    notReplica: KvErrorCode.NOT_REPLICA,
    decode: decodeRecord,
    locationOf: r => recordLocation(r.namespace, r.key),
    isValidAt: (location, encoded) => acceptableRecord(encoded, location, now(), policy) !== undefined,
    winner: newestRecord
  }
}

/** kv's winner rule: the newest record (by sequence); of equals, the first. */
export function newestRecord (answers: readonly KvRecord[]): KvRecord | undefined {
  let best: KvRecord | undefined
  for (const r of answers) if (best === undefined || compareRecords(r, best) > 0) best = r
  return best
}

/** A record from the network counts only if it decodes, is for this location and passes every rule. */
export function acceptableRecord (encoded: Uint8Array, location: Buffer, now: number, policy: RecordPolicy): KvRecord | undefined {
  const record = tryDecode(decodeRecord, encoded)
  if (record === undefined) return undefined
  if (!recordLocation(record.namespace, record.key).equals(location)) return undefined
  return checkRecord(record, now, policy) === undefined ? record : undefined
}

/** KvStore as the records core sees it: a GET's key is the location itself. */
export function kvHolder (store: KvStore): RecordHolder<KvRecord, Buffer, KvErrorCodeValue> {
  return {
    encodedByKey: location => store.getEncoded(location),
    encodedAt: location => store.getEncoded(location),
    holds: r => store.get(recordLocation(r.namespace, r.key)) !== undefined,
    offer: (r, source) => store.offer(r, source)
  }
}
