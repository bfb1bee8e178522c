import { tryDecode } from '../../wire/codec.js'
import type { RecordHolder, RecordKind } from '../records/record-kind.js'
import { VALUE_KIND } from '../service-network.js'
import { KvErrorCode, type KvErrorCodeValue } from './errors.js'
import type { KvStore } from './kv-store.js'
import { KV_SERVICE, kvGetReplyCodec, kvRequestCodec, kvStoreReplyCodec } from './messages.js'
import { type KvRecord, type RecordPolicy, checkRecord, decodeRecord, recordLocation } from './record.js'

/**
 * kv as a record kind: signed records at SHA-256(namespace ‖ key), the newest
 * (by sequence, see compareRecords) wins; the limits are the RecordPolicy's
 * and KvStore's.
 */
export function kvRecordKind (now: () => number, policy: RecordPolicy): RecordKind<KvRecord, Buffer, KvErrorCodeValue> {
  return {
    service: KV_SERVICE,
    valueKind: VALUE_KIND.kvRecord,
    requests: kvRequestCodec,
    storeReplies: kvStoreReplyCodec,
    getReplies: kvGetReplyCodec,
    malformed: KvErrorCode.MALFORMED,
    notReplica: KvErrorCode.NOT_REPLICA,
    decode: decodeRecord,
    locationOf: r => recordLocation(r.namespace, r.key),
    isValidAt: (location, encoded) => acceptableRecord(encoded, location, now(), policy) !== undefined
  }
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
