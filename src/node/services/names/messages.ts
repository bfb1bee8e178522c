/**
 * The "names" service's request/response messages, in the records core's
 * shape (records/messages.ts): a STORE carries a chain (see chain.ts), a GET
 * the name itself, u8 length + ASCII (1..63).
 *
 * Refusal reasons (one byte, stable):
 *   1 NAME_INVALID  2 NAME_RESERVED  3 NAME_TAKEN  4 NAME_EXPIRED  5 NAME_POW_INSUFFICIENT
 *   6 NAME_BAD_SIGNATURE  7 NAME_MALFORMED  8 NAME_FROM_THE_FUTURE  9 NAME_BROKEN_CHAIN
 *   10 NAME_STORE_FULL  11 NAME_NOT_REPLICA  12 NAME_OVER_QUOTA
 * A request that does not decode is answered with status 7 whatever its type.
 */
import { WireError } from '../../wire/codec.js'
import { type KeyShape, RecordMessageType, type StoreReply, recordCodecs } from '../records/messages.js'
import { MAX_ENCODED_CHAIN_BYTES } from './chain.js'
import { NameErrorCode, type NameErrorCodeValue } from './errors.js'
import { MAX_LABEL_CHARS } from './name.js'
import { readAsciiName } from './registration.js'

export const NAMES_SERVICE = 'names'
export const NamesMessageType = RecordMessageType

/** Codes that a replica can send as a refusal. */
export const WIRE_REFUSALS: readonly NameErrorCodeValue[] = [
  NameErrorCode.INVALID, NameErrorCode.RESERVED, NameErrorCode.TAKEN, NameErrorCode.EXPIRED,
  NameErrorCode.POW_INSUFFICIENT, NameErrorCode.BAD_SIGNATURE, NameErrorCode.MALFORMED,
  NameErrorCode.FROM_THE_FUTURE, NameErrorCode.BROKEN_CHAIN, NameErrorCode.STORE_FULL,
  NameErrorCode.NOT_REPLICA, NameErrorCode.OVER_QUOTA
]

/** A STORE's chain is left encoded. */
export type NamesRequest = { type: 'store', chain: Buffer } | { type: 'get', name: string }
export type NameStoreReply = StoreReply<NameErrorCodeValue>

export const MAX_NAMES_REQUEST_BYTES = 1 + MAX_ENCODED_CHAIN_BYTES

/** A name as a GET carries it: u8 length + ASCII, 1..63 characters. */
const nameShape: KeyShape<string> = {
  size: name => 1 + name.length,
  write: (w, name) => {
    if (name.length === 0 || name.length > MAX_LABEL_CHARS) throw new RangeError('a name is 1..63 characters')
    w.string8(name)
  },
  read: r => readAsciiName(r, 'names request'),
  check: name => { if (name.length === 0) throw new WireError('names request: empty name') }
}

export const namesCodecs = recordCodecs({
  service: NAMES_SERVICE, noun: 'chain', maxRecordBytes: MAX_ENCODED_CHAIN_BYTES, key: nameShape, reasons: WIRE_REFUSALS
})

export const encodeNamesRequest = (m: NamesRequest): Buffer =>
  namesCodecs.requests.encode(m.type === 'store' ? { type: 'store', record: m.chain } : { type: 'get', key: m.name })

/** Throws WireError on anything but one well-formed request. */
export function decodeNamesRequest (b: Uint8Array): NamesRequest {
  const m = namesCodecs.requests.decode(b)
  return m.type === 'store' ? { type: 'store', chain: m.record } : { type: 'get', name: m.key }
}

export const { encode: encodeNameStoreReply, decode: decodeNameStoreReply } = namesCodecs.storeReplies
/** decodeNameGetReply: the encoded chain a replica returned, or undefined when it holds none. */
export const { encode: encodeNameGetReply, decode: decodeNameGetReply } = namesCodecs.getReplies
