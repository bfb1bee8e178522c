/**
 * The "names" service's request/response messages (one request, one reply).
 *
 * Request:  type u8, then
 *   0x01 STORE  chain bytes (the rest; see chain.ts)
 *   0x02 GET    name: u8 len + ASCII (1..63)
 * Reply to STORE:  status u8           0 = accepted, else a refusal reason
 * Reply to GET:    found u8 (0 | 1), then the chain bytes (the rest) when 1
 *
 * Refusal reasons (one byte, stable):
 *   1 NAME_INVALID  2 NAME_RESERVED  3 NAME_TAKEN  4 NAME_EXPIRED  5 NAME_POW_INSUFFICIENT
 *   6 NAME_BAD_SIGNATURE  7 NAME_MALFORMED  8 NAME_FROM_THE_FUTURE  9 NAME_BROKEN_CHAIN
 *   10 NAME_STORE_FULL  11 NAME_NOT_REPLICA  12 NAME_OVER_QUOTA
 * A request that does not decode is answered with status 7 whatever its type.
 */
import { Reader, WireError, Writer } from '../../wire/codec.js'
import { MAX_ENCODED_CHAIN_BYTES } from './chain.js'
import { NameErrorCode, type NameErrorCodeValue } from './errors.js'
import { MAX_LABEL_CHARS } from './name.js'

export const NAMES_SERVICE = 'names'

export const NamesMessageType = { store: 0x01, get: 0x02 } as const

const REASONS: readonly NameErrorCodeValue[] = [
  NameErrorCode.INVALID, NameErrorCode.RESERVED, NameErrorCode.TAKEN, NameErrorCode.EXPIRED,
  NameErrorCode.POW_INSUFFICIENT, NameErrorCode.BAD_SIGNATURE, NameErrorCode.MALFORMED,
  NameErrorCode.FROM_THE_FUTURE, NameErrorCode.BROKEN_CHAIN, NameErrorCode.STORE_FULL,
  NameErrorCode.NOT_REPLICA, NameErrorCode.OVER_QUOTA
]

/** Codes that a replica can send as a refusal. */
export const WIRE_REFUSALS: readonly NameErrorCodeValue[] = REASONS

export type NamesRequest =
  | { type: 'store', chain: Buffer }
  | { type: 'get', name: string }

export type NameStoreReply = { accepted: true } | { accepted: false, code: NameErrorCodeValue }

export const MAX_NAMES_REQUEST_BYTES = 1 + MAX_ENCODED_CHAIN_BYTES

export function encodeNamesRequest (m: NamesRequest): Buffer {
  if (m.type === 'store') return Buffer.concat([Buffer.of(NamesMessageType.store), m.chain])
  if (m.name.length === 0 || m.name.length > MAX_LABEL_CHARS) throw new RangeError('a name is 1..63 characters')
  return new Writer(2 + m.name.length).u8(NamesMessageType.get).string8(m.name).finish()
}

/** Throws WireError on anything but one well-formed request; the STORE chain is left encoded. */
export function decodeNamesRequest (b: Uint8Array): NamesRequest {
  if (b.length > MAX_NAMES_REQUEST_BYTES) throw new WireError(`names request: ${b.length} bytes exceeds ${MAX_NAMES_REQUEST_BYTES}`)
  const r = new Reader(b, 'names request')
  const type = r.u8()
  if (type === NamesMessageType.store) {
    if (r.remaining === 0) throw new WireError('names request: empty chain')
    return { type: 'store', chain: Buffer.from(r.rest()) }
  }
  if (type === NamesMessageType.get) {
    const name = r.bytes8(MAX_LABEL_CHARS).toString('latin1')
    r.end()
    if (name.length === 0) throw new WireError('names request: empty name')
    return { type: 'get', name }
  }
  throw new WireError(`names request: unknown type ${type}`)
}

export function encodeNameStoreReply (m: NameStoreReply): Buffer {
  if (m.accepted) return Buffer.of(0)
  const i = REASONS.indexOf(m.code)
  if (i < 0) throw new RangeError(`no wire reason for ${m.code}`)
  return Buffer.of(i + 1)
}

export function decodeNameStoreReply (b: Uint8Array): NameStoreReply {
  const r = new Reader(b, 'names store reply')
  const status = r.u8()
  r.end()
  if (status === 0) return { accepted: true }
  const code = REASONS[status - 1]
  if (code === undefined) throw new WireError(`names store reply: unknown status ${status}`)
  return { accepted: false, code }
}

export function encodeNameGetReply (chain: Uint8Array | undefined): Buffer {
  return chain === undefined ? Buffer.of(0) : Buffer.concat([Buffer.of(1), chain])
}

/** The encoded chain a replica returned, or undefined when it holds none. */
export function decodeNameGetReply (b: Uint8Array): Buffer | undefined {
  if (b.length > 1 + MAX_ENCODED_CHAIN_BYTES) throw new WireError('names get reply: too long')
  const r = new Reader(b, 'names get reply')
  const found = r.u8()
  if (found === 0) { r.end(); return undefined }
  if (found !== 1) throw new WireError(`names get reply: bad flag ${found}`)
  if (r.remaining === 0) throw new WireError('names get reply: empty chain')
  return Buffer.from(r.rest())
}
