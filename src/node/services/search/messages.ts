import { Reader, Writer, WireError } from '../../wire/codec.js'
import { MAX_TAG_RECORD_BYTES } from './tag-record.js'

/**
 * The search service's requests, on the link service "search" (the traffic
 * meter counts them under that kind). Little-endian:
 *
 *   TAG_STORE  type u8 = 1 · location 32 · record: u16 length + bytes
 *     → TAG_STORED  type u8 = 2 · status u8 (STORE_STATUS)
 *   TAG_FIND   type u8 = 3 · location 32
 *     → TAG_FOUND   type u8 = 4 · count u8 (≤ MAX_FOUND_TAGS) · each: u16 length + record bytes
 *
 * Any other type, a short or long message, or a record over
 * MAX_TAG_RECORD_BYTES is malformed.
 */
export const SEARCH_SERVICE = 'search'
export const MAX_FOUND_TAGS = 100

export const SEARCH_MSG = { tagStore: 1, tagStored: 2, tagFind: 3, tagFound: 4 } as const

/** A replica's answer to TAG_STORE. */
export const STORE_STATUS = { stored: 0, malformed: 1, badSignature: 2, fromFuture: 3, full: 4, notReplica: 5 } as const
export type StoreStatus = typeof STORE_STATUS[keyof typeof STORE_STATUS]

export type SearchRequest =
  | { type: 'tag-store', location: Buffer, record: Buffer }
  | { type: 'tag-find', location: Buffer }

export type SearchResponse =
  | { type: 'tag-stored', status: StoreStatus }
  | { type: 'tag-found', records: Buffer[] }

export function encodeSearchRequest (m: SearchRequest): Buffer {
  const w = new Writer(64 + (m.type === 'tag-store' ? m.record.length : 0))
  if (m.type === 'tag-store') w.u8(SEARCH_MSG.tagStore).bytes(m.location).bytes16(m.record)
  else w.u8(SEARCH_MSG.tagFind).bytes(m.location)
  return w.finish()
}

export function decodeSearchRequest (bytes: Uint8Array): SearchRequest {
  const r = new Reader(bytes, 'search request')
  const type = r.u8()
  const location = Buffer.from(r.bytes(32))
  if (type === SEARCH_MSG.tagStore) {
    const record = Buffer.from(r.bytes16(MAX_TAG_RECORD_BYTES))
    r.end()
    return { type: 'tag-store', location, record }
  }
  if (type === SEARCH_MSG.tagFind) { r.end(); return { type: 'tag-find', location } }
  throw new WireError(`search request: unknown type ${type}`)
}

export function encodeSearchResponse (m: SearchResponse): Buffer {
  const w = new Writer(64)
  if (m.type === 'tag-stored') return w.u8(SEARCH_MSG.tagStored).u8(m.status).finish()
  if (m.records.length > MAX_FOUND_TAGS) throw new RangeError(`at most ${MAX_FOUND_TAGS} tags per answer`)
  w.u8(SEARCH_MSG.tagFound).u8(m.records.length)
  for (const rec of m.records) w.bytes16(rec)
  return w.finish()
}

export function decodeSearchResponse (bytes: Uint8Array): SearchResponse {
  const r = new Reader(bytes, 'search response')
  const type = r.u8()
  if (type === SEARCH_MSG.tagStored) {
    const status = r.u8()
    r.end()
    if (!(Object.values(STORE_STATUS) as number[]).includes(status)) throw new WireError(`search response: unknown status ${status}`)
    return { type: 'tag-stored', status: status as StoreStatus }
  }
  if (type === SEARCH_MSG.tagFound) {
    const count = r.u8()
    if (count > MAX_FOUND_TAGS) throw new WireError(`search response: ${count} tags, more than ${MAX_FOUND_TAGS}`)
    const records: Buffer[] = []
    for (let i = 0; i < count; i++) records.push(Buffer.from(r.bytes16(MAX_TAG_RECORD_BYTES)))
    r.end()
    return { type: 'tag-found', records }
  }
  throw new WireError(`search response: unknown type ${type}`)
}
