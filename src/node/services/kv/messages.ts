/**
 * The "kv" service's request/response messages, in the records core's shape
 * (records/messages.ts): a STORE carries a record (see record.ts), a GET its
 * location, SHA-256(namespace ‖ key), 32 bytes.
 *
 * Refusal reasons (one byte, stable):
 *   1 KV_BAD_SIGNATURE  2 KV_EXPIRED  3 KV_TOO_LARGE  4 KV_STALE_SEQUENCE
 *   5 KV_MALFORMED      6 KV_TTL_TOO_LONG  7 KV_STORE_FULL
 *   8 KV_NOT_REPLICA    9 KV_OVER_QUOTA
 * A request that does not decode is answered with STORE status 5 whatever its type.
 */
import { RecordMessageType, type StoreReply as RecordStoreReply, locationShape, recordCodecs } from '../records/messages.js'
import { KvErrorCode, type KvErrorCodeValue } from './errors.js'
import { MAX_ENCODED_RECORD_BYTES } from './record.js'

export const KV_SERVICE = 'kv'
export const KvMessageType = RecordMessageType

export const KV_REASONS: readonly KvErrorCodeValue[] = [
  KvErrorCode.BAD_SIGNATURE, KvErrorCode.EXPIRED, KvErrorCode.TOO_LARGE, KvErrorCode.STALE_SEQUENCE,
  KvErrorCode.MALFORMED, KvErrorCode.TTL_TOO_LONG, KvErrorCode.STORE_FULL,
  KvErrorCode.NOT_REPLICA, KvErrorCode.OVER_QUOTA
]

export type KvRequest = { type: 'store', record: Buffer } | { type: 'get', location: Buffer }
export type StoreReply = RecordStoreReply<KvErrorCodeValue>

/** Largest request the handler reads. */
export const MAX_KV_REQUEST_BYTES = 1 + MAX_ENCODED_RECORD_BYTES

export const kvCodecs = recordCodecs({
  service: KV_SERVICE, noun: 'record', maxRecordBytes: MAX_ENCODED_RECORD_BYTES, key: locationShape, reasons: KV_REASONS
})

export function encodeKvRequest (m: KvRequest): Buffer {
  return kvCodecs.requests.encode(m.type === 'store' ? m : { type: 'get', key: m.location })
}

/** Throws WireError on anything but one well-formed request. The STORE record is left encoded. */
export function decodeKvRequest (b: Uint8Array): KvRequest {
  const m = kvCodecs.requests.decode(b)
  return m.type === 'store' ? m : { type: 'get', location: m.key }
}

export const { encode: encodeStoreReply, decode: decodeStoreReply } = kvCodecs.storeReplies
/** decodeGetReply: the encoded record a replica returned, or undefined when it holds none. */
export const { encode: encodeGetReply, decode: decodeGetReply } = kvCodecs.getReplies
