import { NS, namespaced } from '../../crypto/namespaces.js'
import { NONCE_BYTES, PUBLIC_KEY_BYTES, SIGNATURE_BYTES } from '../../identity/identity.js'
import type { Endpoint } from '../../types.js'
import { Reader, WireError, Writer } from '../../wire/codec.js'
import type { Introducer } from '../../wire/punch-messages.js'
import { readWireContact, writeWireContact } from '../../wire/routing-messages.js'
import { type ChunkDescriptor, MAX_SLICES, SLICE_BYTES, decodeDescriptor, encodeDescriptor } from './chunk-format.js'

/**
 * The chunk exchange ("chunks" service), version 1. Little-endian; every
 * message is one type byte and its body; every decoder checks every length
 * and rejects trailing bytes.
 *
 * Requests and replies (ServiceNetwork.request payloads):
 *
 *  type  name            body
 *  0x01  ADD_PROVIDER    record                          → ADDED
 *  0x02  ADDED           accepted u8 (0 | 1)
 *  0x03  GET_PROVIDERS   chunkId[32]                     → PROVIDERS | NOT_FOUND
 *  0x04  PROVIDERS       n u8 (1..20) | record × n
 *  0x05  GET_DESCRIPTOR  chunkId[32]                     → DESCRIPTOR | NOT_FOUND
 *  0x06  DESCRIPTOR      id[32] | length u32 | sliceHash[32] × ceil(length / 64 KiB)
 *  0x07  NOT_FOUND       notFound u32   how often this node was asked for the id and lacked it
 *  0x08  CACHE_REQUEST   chunkId[32]    "please pull this chunk and cache it" (a publisher's
 *                                       availability check); the receiver decides → CACHE_ACK
 *  0x09  CACHE_ACK       accepted u8 (0 | 1)
 *  0x0a  ERROR           reason u8 (1 malformed request, 2 service stopped)
 *  0x0b  HAS_CHUNK       chunkId[32]    a publisher's hourly check of a host    → HOSTING
 *  0x0c  HOSTING         held u8 (0 | 1) | servedBytes u64 | since u64
 *                                       slice bytes of the chunk this node served since `since`
 *                                       (ms since the epoch, when it began counting)
 *  0x0d  PUBLISH_OFFER   chunkId[32] | size u32 (1..MAX_CHUNK) | maxCredit u64
 *                                       "keep this chunk a week, for at most maxCredit"; the
 *                                       receiver pulls it (verified) before it answers → PUBLISH_REPLY
 *  0x0e  PUBLISH_REPLY   status u8 (PublishStatus) | price u64 (credit units) | paidUntil u64
 *
 *  record    = chunkId[32] | contact | expiresAt u64 (ms since the epoch) | signature[64]
 *  contact   = the DHT's contact (wire/routing-messages.ts) and it MUST carry the key flag:
 *              nodeId[32] | cflags u8 | address (4 | 16) | port u16 | publicKey[32] | nonce[8]
 *              [| introducers len u8 | INTRODUCERS (cflags bit3, a provider behind a NAT; signed with the rest)]
 *  signature = ed25519 by that public key over namespaced(NS.providerRecord, the record's bytes
 *              before the signature), so nobody can announce a provider other than themselves.
 *
 * The value a FIND_VALUE of kind chunkProviders returns is a provider list:
 *  n u8 (1..20) | record × n        (the PROVIDERS body)
 *
 * Frames on a "chunks" stream (reliable, in order), each
 *  length u32 (of type + body, 1..65 538) | type u8 | body
 *
 *  0x10  SLICE_REQUEST    chunkId[32] | first u8 | count u8     client → server; 1 ≤ count,
 *                                                                first + count ≤ 16
 *  0x11  SLICE            index u8 | bytes (1..65 536)           server → client, one per slice
 *                                                                asked for, in order
 *  0x12  SLICE_NOT_FOUND  notFound u32                           instead of a request's slices
 *  0x13  SLICE_REFUSED    reason u8 (1 busy, 2 bad range)        instead of the rest of a
 *                                                                request's slices
 *  0x14  SLICE_OWED       owedCredit u64 | sats u64 | uri u16+utf8 (≤ 512)
 *                                                                the requester is past its
 *                                                                credit line; the stream ends
 * A client may pipeline requests (the server bounds how many wait); the
 * server answers them in order and ends its side when the client ends its.
 */

export const CHUNK_SERVICE = 'chunks'
export const MAX_PROVIDERS = 20
const ID_BYTES = 32

export const ChunkMessageType = {
  addProvider: 0x01,
  added: 0x02,
  getProviders: 0x03,
  providers: 0x04,
  getDescriptor: 0x05,
  descriptor: 0x06,
  notFound: 0x07,
  cacheRequest: 0x08,
  cacheAck: 0x09,
  error: 0x0a,
  hasChunk: 0x0b,
  hosting: 0x0c,
  publishOffer: 0x0d,
  publishReply: 0x0e
} as const

/**
 * A PUBLISH_REPLY's status: stored (the price was charged, the chunk is kept until paidUntil),
 * or why not. `tooDear` carries the price asked, so the publisher may offer again.
 */
export const PublishStatus = {
  stored: 0,
  lowRank: 1,
  outOfRange: 2,
  tooDear: 3,
  noRoom: 4,
  fetchFailed: 5,
  owed: 6,
  notSelling: 7
} as const
export type PublishStatusValue = typeof PublishStatus[keyof typeof PublishStatus]
const PUBLISH_STATUS_COUNT = 8
/** Largest chunk a publish offer names (1 MiB of payload plus its header, as the store takes). */
export const MAX_OFFER_BYTES = 1024 * 1024 + 4096

export const ErrorReason = { malformed: 1, stopped: 2 } as const

export const StreamFrameType = {
  sliceRequest: 0x10,
  slice: 0x11,
  sliceNotFound: 0x12,
  sliceRefused: 0x13,
  /** The requester used up its credit line here: the debt, its price in sats, a BIP21 URI. */
  sliceOwed: 0x14
} as const

/** Longest payment URI a SLICE_OWED frame carries. */
export const MAX_OWED_URI_BYTES = 512

export const RefuseReason = { busy: 1, badRange: 2 } as const

/** Largest frame body (type + index + one slice). */
export const MAX_FRAME_BODY = 2 + SLICE_BYTES
export const FRAME_HEADER_BYTES = 4

/** A provider as a record names it: the key is required, so the signature can be checked. */
export interface ProviderContact {
  id: Buffer
  endpoint: Endpoint
  publicKey: Buffer
  nonce: Buffer
  /** Set by a provider behind a NAT: who can introduce others to it for hole punching. */
  introducers?: Introducer[]
}

export interface ProviderRecord {
  chunkId: Buffer
  provider: ProviderContact
  /** ms since the epoch. */
  expiresAt: number
  signature: Buffer
}

export type ChunkMessage =
  | { type: 'addProvider', record: ProviderRecord }
  | { type: 'added', accepted: boolean }
  | { type: 'getProviders', chunkId: Buffer }
  | { type: 'providers', records: ProviderRecord[] }
  | { type: 'getDescriptor', chunkId: Buffer }
  | { type: 'descriptor', descriptor: ChunkDescriptor }
  | { type: 'notFound', count: number }
  | { type: 'cacheRequest', chunkId: Buffer }
  | { type: 'cacheAck', accepted: boolean }
  | { type: 'error', reason: number }
  | { type: 'hasChunk', chunkId: Buffer }
  | { type: 'hosting', held: boolean, servedBytes: number, since: number }
  | { type: 'publishOffer', chunkId: Buffer, size: number, maxCredit: number }
  | { type: 'publishReply', status: PublishStatusValue, price: number, paidUntil: number }

export type StreamFrame =
  | { type: 'sliceRequest', chunkId: Buffer, first: number, count: number }
  | { type: 'slice', index: number, bytes: Buffer }
  | { type: 'sliceNotFound', count: number }
  | { type: 'sliceRefused', reason: number }
  | { type: 'sliceOwed', owedCredit: number, sats: number, uri: string }

// --- provider records -------------------------------------------------------

/** The bytes a record's signature covers (everything before the signature). */
export function recordBody (r: Omit<ProviderRecord, 'signature'>): Buffer {
  const w = new Writer(160)
  writeRecordBody(w, r)
  return w.finish()
}

/** What the provider signs: the body under the provider-record namespace. */
export function recordSigningMessage (r: Omit<ProviderRecord, 'signature'>): Buffer {
  return namespaced(NS.providerRecord, recordBody(r))
}

function writeRecordBody (w: Writer, r: Omit<ProviderRecord, 'signature'>): void {
  checkLen(r.chunkId, ID_BYTES, 'chunk id')
  checkLen(r.provider.publicKey, PUBLIC_KEY_BYTES, 'public key')
  checkLen(r.provider.nonce, NONCE_BYTES, 'nonce')
  w.bytes(r.chunkId)
  writeWireContact(w, r.provider, true)
  w.u64(r.expiresAt)
}

function writeRecord (w: Writer, r: ProviderRecord): void {
  writeRecordBody(w, r)
  checkLen(r.signature, SIGNATURE_BYTES, 'signature')
  w.bytes(r.signature)
}

function readRecord (r: Reader): ProviderRecord {
  const chunkId = Buffer.from(r.bytes(ID_BYTES))
  const c = readWireContact(r)
  if (c.publicKey === undefined || c.nonce === undefined) throw new WireError(`${r.what}: provider record without a public key`)
  const expiresAt = r.u64()
  const signature = Buffer.from(r.bytes(SIGNATURE_BYTES))
  const provider: ProviderContact = { id: c.id, endpoint: c.endpoint, publicKey: c.publicKey, nonce: c.nonce }
  if (c.introducers !== undefined) provider.introducers = c.introducers
  return { chunkId, provider, expiresAt, signature }
}

function writeRecords (w: Writer, records: ProviderRecord[]): void {
  if (records.length < 1 || records.length > MAX_PROVIDERS) throw new RangeError(`a provider list holds 1..${MAX_PROVIDERS} records, not ${records.length}`)
  w.u8(records.length)
  for (const rec of records) writeRecord(w, rec)
}

function readRecords (r: Reader): ProviderRecord[] {
  const n = r.u8()
  if (n < 1 || n > MAX_PROVIDERS) throw new WireError(`${r.what}: ${n} provider records (1..${MAX_PROVIDERS})`)
  const out: ProviderRecord[] = []
  for (let i = 0; i < n; i++) out.push(readRecord(r))
  return out
}

/** The FIND_VALUE value for kind chunkProviders. */
export function encodeProviderList (records: ProviderRecord[]): Buffer {
  const w = new Writer(1 + 200 * records.length)
  writeRecords(w, records)
  return w.finish()
}

/** Throws WireError on malformed bytes. */
export function decodeProviderList (b: Uint8Array): ProviderRecord[] {
  const r = new Reader(b, 'chunks provider list')
  const out = readRecords(r)
  r.end()
  return out
}

// --- requests and replies ----------------------------------------------------

export function encodeChunkMessage (m: ChunkMessage): Buffer {
  const w = new Writer(64)
  w.u8(ChunkMessageType[m.type])
  switch (m.type) {
    case 'addProvider': writeRecord(w, m.record); break
    case 'added': case 'cacheAck': w.u8(m.accepted ? 1 : 0); break
    case 'getProviders': case 'getDescriptor': case 'cacheRequest': case 'hasChunk': checkLen(m.chunkId, ID_BYTES, 'chunk id'); w.bytes(m.chunkId); break
    case 'hosting': w.u8(m.held ? 1 : 0).u64(m.servedBytes).u64(m.since); break
    case 'publishOffer':
      checkLen(m.chunkId, ID_BYTES, 'chunk id')
      if (!Number.isInteger(m.size) || m.size < 1 || m.size > MAX_OFFER_BYTES) throw new RangeError(`bad offered chunk size ${m.size}`)
      w.bytes(m.chunkId).u32(m.size).u64(m.maxCredit)
      break
    case 'publishReply':
      if (!Number.isInteger(m.status) || m.status < 0 || m.status >= PUBLISH_STATUS_COUNT) throw new RangeError(`bad publish status ${m.status}`)
      w.u8(m.status).u64(m.price).u64(m.paidUntil)
      break
    case 'providers': writeRecords(w, m.records); break
    case 'descriptor': encodeDescriptor(w, m.descriptor); break
    case 'notFound': w.u32(m.count); break
    case 'error': w.u8(m.reason); break
  }
  return w.finish()
}

/** Throws WireError (WIRE_MALFORMED) on anything but one well-formed message. */
export function decodeChunkMessage (b: Uint8Array): ChunkMessage {
  const r = new Reader(b, 'chunks message')
  const t = r.u8()
  let m: ChunkMessage
  switch (t) {
    case ChunkMessageType.addProvider: m = { type: 'addProvider', record: readRecord(r) }; break
    case ChunkMessageType.added: m = { type: 'added', accepted: readBool(r) }; break
    case ChunkMessageType.getProviders: m = { type: 'getProviders', chunkId: Buffer.from(r.bytes(ID_BYTES)) }; break
    case ChunkMessageType.providers: m = { type: 'providers', records: readRecords(r) }; break
    case ChunkMessageType.getDescriptor: m = { type: 'getDescriptor', chunkId: Buffer.from(r.bytes(ID_BYTES)) }; break
    case ChunkMessageType.descriptor: {
      const d = decodeDescriptor(r)
      m = { type: 'descriptor', descriptor: { id: Buffer.from(d.id), length: d.length, slices: d.slices.map(s => Buffer.from(s)) } }
      break
    }
    case ChunkMessageType.notFound: m = { type: 'notFound', count: r.u32() }; break
    case ChunkMessageType.cacheRequest: m = { type: 'cacheRequest', chunkId: Buffer.from(r.bytes(ID_BYTES)) }; break
    case ChunkMessageType.cacheAck: m = { type: 'cacheAck', accepted: readBool(r) }; break
    case ChunkMessageType.error: m = { type: 'error', reason: r.u8() }; break
    case ChunkMessageType.hasChunk: m = { type: 'hasChunk', chunkId: Buffer.from(r.bytes(ID_BYTES)) }; break
    case ChunkMessageType.hosting: m = { type: 'hosting', held: readBool(r), servedBytes: r.u64(), since: r.u64() }; break
    case ChunkMessageType.publishOffer: {
      const chunkId = Buffer.from(r.bytes(ID_BYTES))
      const size = r.u32()
      if (size < 1 || size > MAX_OFFER_BYTES) throw new WireError(`${r.what}: offered chunk of ${size} bytes`)
      m = { type: 'publishOffer', chunkId, size, maxCredit: r.u64() }
      break
    }
    case ChunkMessageType.publishReply: {
      const status = r.u8()
      if (status >= PUBLISH_STATUS_COUNT) throw new WireError(`${r.what}: unknown publish status ${status}`)
      m = { type: 'publishReply', status: status as PublishStatusValue, price: r.u64(), paidUntil: r.u64() }
      break
    }
    default: throw new WireError(`chunks message: unknown type 0x${t.toString(16)}`)
  }
  r.end()
  return m
}

// --- stream frames -----------------------------------------------------------

/** A whole frame, length prefix included. For SLICE, prefer sliceFrameHeader (no copy of the bytes). */
export function encodeStreamFrame (f: StreamFrame): Buffer {
  const w = new Writer(f.type === 'slice' ? 6 + f.bytes.length : 40)
  w.u32(0).u8(StreamFrameType[f.type])
  switch (f.type) {
    case 'sliceRequest':
      checkLen(f.chunkId, ID_BYTES, 'chunk id')
      checkRange(f.first, f.count)
      w.bytes(f.chunkId).u8(f.first).u8(f.count)
      break
    case 'slice':
      checkSlice(f.index, f.bytes.length)
      w.u8(f.index).bytes(f.bytes)
      break
    case 'sliceNotFound': w.u32(f.count); break
    case 'sliceRefused': w.u8(f.reason); break
    case 'sliceOwed':
      if (Buffer.byteLength(f.uri) > MAX_OWED_URI_BYTES) throw new RangeError('payment URI too long')
      w.u64(f.owedCredit).u64(f.sats).string16(f.uri)
      break
  }
  const out = w.finish()
  out.writeUInt32LE(out.length - FRAME_HEADER_BYTES, 0)
  return out
}

/** Bytes that precede a slice's bytes in a SLICE frame: length prefix, type, index. */
export const SLICE_HEADER_BYTES = FRAME_HEADER_BYTES + 2

/** The 6 bytes that precede a slice's bytes in a SLICE frame (written into `into` at `at` when given). */
export function sliceFrameHeader (index: number, length: number, into?: Buffer, at = 0): Buffer {
  checkSlice(index, length)
  const h = into ?? Buffer.allocUnsafe(SLICE_HEADER_BYTES)
  h.writeUInt32LE(2 + length, at)
  h[at + 4] = StreamFrameType.slice
  h[at + 5] = index
  return h
}

/** Decodes one frame body (type + body, without the length prefix). Throws WireError. */
export function decodeStreamFrame (b: Uint8Array): StreamFrame {
  const r = new Reader(b, 'chunks stream frame')
  const t = r.u8()
  let f: StreamFrame
  switch (t) {
    case StreamFrameType.sliceRequest: {
      const chunkId = Buffer.from(r.bytes(ID_BYTES))
      const first = r.u8()
      const count = r.u8()
      if (count < 1 || first + count > MAX_SLICES) throw new WireError(`${r.what}: slice range ${first}+${count} outside 0..${MAX_SLICES}`)
      f = { type: 'sliceRequest', chunkId, first, count }
      break
    }
    case StreamFrameType.slice: {
      const index = r.u8()
      if (index >= MAX_SLICES) throw new WireError(`${r.what}: slice index ${index}`)
      if (r.remaining < 1 || r.remaining > SLICE_BYTES) throw new WireError(`${r.what}: slice of ${r.remaining} bytes`)
      // Zero-copy view: the frame body is already a private buffer (see FrameParser).
      f = { type: 'slice', index, bytes: r.rest() }
      break
    }
    case StreamFrameType.sliceNotFound: f = { type: 'sliceNotFound', count: r.u32() }; break
    case StreamFrameType.sliceRefused: f = { type: 'sliceRefused', reason: r.u8() }; break
    case StreamFrameType.sliceOwed: f = { type: 'sliceOwed', owedCredit: r.u64(), sats: r.u64(), uri: r.string16(MAX_OWED_URI_BYTES) }; break
    default: throw new WireError(`chunks stream frame: unknown type 0x${t.toString(16)}`)
  }
  r.end()
  return f
}

/** A SLICE frame whose bytes stay in the pieces they arrived in (see decodeStreamFramePieces). */
export interface SlicePieces { type: 'slice', index: number, length: number, pieces: Buffer[] }

/**
 * decodeStreamFrame for a body given as pieces (FrameParser.pushPieces): a SLICE keeps its
 * bytes as views of the pieces, so the downloader copies them once, straight into the chunk;
 * every other frame is small and is joined and decoded as usual. Same checks, same WireError.
 */
export function decodeStreamFramePieces (pieces: Buffer[], length: number): Exclude<StreamFrame, { type: 'slice' }> | SlicePieces {
  if (pieces.length === 0 || length < 1) throw new WireError('chunks stream frame: empty')
  if (pieces[0][0] !== StreamFrameType.slice) {
    const f = decodeStreamFrame(pieces.length === 1 ? pieces[0] : Buffer.concat(pieces, length))
    if (f.type === 'slice') throw new WireError('chunks stream frame: unexpected slice') // unreachable: the type byte said otherwise
    return f
  }
  // The type and index bytes split across pieces (a 1-byte piece): rare, join once.
  if (pieces[0].length < 2) pieces = [Buffer.concat(pieces, length)]
  const first = pieces[0]
  if (first.length < 2) throw new WireError('chunks stream frame: truncated slice')
  const index = first[1]
  const n = length - 2
  if (index >= MAX_SLICES) throw new WireError(`chunks stream frame: slice index ${index}`)
  if (n < 1 || n > SLICE_BYTES) throw new WireError(`chunks stream frame: slice of ${n} bytes`)
  const rest = first.length > 2 ? [first.subarray(2), ...pieces.slice(1)] : pieces.slice(1)
  return { type: 'slice', index, length: n, pieces: rest }
}

function readBool (r: Reader): boolean {
  const v = r.u8()
  if (v > 1) throw new WireError(`${r.what}: flag ${v} is not 0 or 1`)
  return v === 1
}

function checkLen (b: Uint8Array, n: number, what: string): void {
  if (b.length !== n) throw new RangeError(`${what} must be ${n} bytes, got ${b.length}`)
}

function checkRange (first: number, count: number): void {
  if (!Number.isInteger(first) || !Number.isInteger(count) || first < 0 || count < 1 || first + count > MAX_SLICES) {
    throw new RangeError(`bad slice range ${first}+${count}`)
  }
}

function checkSlice (index: number, length: number): void {
  if (!Number.isInteger(index) || index < 0 || index >= MAX_SLICES) throw new RangeError(`bad slice index ${index}`)
  if (length < 1 || length > SLICE_BYTES) throw new RangeError(`bad slice length ${length}`)
}
