/**
 * The "kv" service's request/response messages (one request, one reply).
 *
 * Request:  type u8, then
 *   0x01 STORE  record bytes (the rest; see record.ts)
 *   0x02 GET    location 32               SHA-256(namespace ‖ key)
 * Reply to STORE:  status u8             0 = accepted, else a refusal reason
 * Reply to GET:    found u8 (0 | 1), then the record bytes (the rest) when 1
 *
 * Refusal reasons (one byte, stable):
 *   1 KV_BAD_SIGNATURE  2 KV_EXPIRED  3 KV_TOO_LARGE  4 KV_STALE_SEQUENCE
 *   5 KV_MALFORMED      6 KV_TTL_TOO_LONG  7 KV_STORE_FULL
 *   8 KV_NOT_REPLICA    9 KV_OVER_QUOTA
 * A request that does not decode is answered with STORE status 5 whatever its type.
 */
import { Reader, WireError, Writer } from '../../wire/codec.js'
import { KvErrorCode, type KvErrorCodeValue } from './errors.js'
import { MAX_ENCODED_RECORD_BYTES } from './record.js'

export const KV_SERVICE = 'kv'

export const KvMessageType = { store: 0x01, get: 0x02 } as const

const REASONS: readonly KvErrorCodeValue[] = [
  KvErrorCode.BAD_SIGNATURE, KvErrorCode.EXPIRED, KvErrorCode.TOO_LARGE, KvErrorCode.STALE_SEQUENCE,
  KvErrorCode.MALFORMED, KvErrorCode.TTL_TOO_LONG, KvErrorCode.STORE_FULL,
  KvErrorCode.NOT_REPLICA, KvErrorCode.OVER_QUOTA
]

export type KvRequest =
  | { type: 'store', record: Buffer }
  | { type: 'get', location: Buffer }

export type StoreReply = { accepted: true } | { accepted: false, code: KvErrorCodeValue }

/** Largest request the handler reads. */
export const MAX_KV_REQUEST_BYTES = 1 + MAX_ENCODED_RECORD_BYTES

export function encodeKvRequest (m: KvRequest): Buffer {
  const w = new Writer(m.type === 'store' ? 1 + m.record.length : 33)
  if (m.type === 'store') return w.u8(KvMessageType.store).bytes(m.record).finish()
  if (m.location.length !== 32) throw new RangeError('location must be 32 bytes')
  return w.u8(KvMessageType.get).bytes(m.location).finish()
}

/** Throws WireError on anything but one well-formed request. The STORE record is left encoded. */
export function decodeKvRequest (b: Uint8Array): KvRequest {
  if (b.length > MAX_KV_REQUEST_BYTES) throw new WireError(`kv request: ${b.length} bytes exceeds ${MAX_KV_REQUEST_BYTES}`)
  const r = new Reader(b, 'kv request')
  const type = r.u8()
  if (type === KvMessageType.store) {
    if (r.remaining === 0) throw new WireError('kv request: empty record')
    return { type: 'store', record: Buffer.from(r.rest()) }
  }
  if (type === KvMessageType.get) {
    const location = Buffer.from(r.bytes(32))
    r.end()
    return { type: 'get', location }
  }
  throw new WireError(`kv request: unknown type ${type}`)
}

export function encodeStoreReply (m: StoreReply): Buffer {
  if (m.accepted) return Buffer.of(0)
  const i = REASONS.indexOf(m.code)
  if (i < 0) throw new RangeError(`no wire reason for ${m.code}`)
  return Buffer.of(i + 1)
}

export function decodeStoreReply (b: Uint8Array): StoreReply {
  const r = new Reader(b, 'kv store reply')
  const status = r.u8()
  r.end()
  if (status === 0) return { accepted: true }
  const code = REASONS[status - 1]
  if (code === undefined) throw new WireError(`kv store reply: unknown status ${status}`)
  return { accepted: false, code }
}

export function encodeGetReply (record: Uint8Array | undefined): Buffer {
  return record === undefined ? Buffer.of(0) : Buffer.concat([Buffer.of(1), record])
}

/** The encoded record a replica returned, or undefined when it holds none. */
export function decodeGetReply (b: Uint8Array): Buffer | undefined {
  if (b.length > 1 + MAX_ENCODED_RECORD_BYTES) throw new WireError('kv get reply: too long')
  const r = new Reader(b, 'kv get reply')
  const found = r.u8()
  if (found === 0) { r.end(); return undefined }
  if (found !== 1) throw new WireError(`kv get reply: bad flag ${found}`)
  if (r.remaining === 0) throw new WireError('kv get reply: empty record')
  return Buffer.from(r.rest())
}
