import { makeContact, type Contact } from '../../routing/contact.js'
import { nodeIdOf } from '../../identity/identity.js'
import { Reader, WireError, Writer } from '../../wire/codec.js'
import { MAX_SEGMENT_BYTES } from './segment.js'

/**
 * The "radio" service's messages (request/response on the link) and the
 * station record FIND_VALUE returns. Little-endian; every request starts
 * with its type byte:
 *
 *   1 SUBSCRIBE  station 32, u8 flags (bit 0: send the burst)
 *   2 ADOPT      station 32 (the broadcaster asks a node near the id to relay it)
 *   3 PUSH       path, u16 length + segment (see segment.ts); an empty segment is a
 *                "hold": the relay lost its own upstream and is re-joining, stay with it
 *   4 LEAVE      station 32
 *
 * Replies:
 *   SUBSCRIBE, ADOPT  u8 status (0 accepted, 1 full, 2 not carrying, 3 loop),
 *                     u8 has-offer [offer], u8 n + n × (contact, u32 price) alternatives
 *   PUSH              u8 status (0 taken, 1 not your child: stop), u32 the child's price,
 *                     u32 listeners and u32 relays in the child's subtree (for the broadcaster's figures)
 *   LEAVE             u8 0
 *
 * offer (also the station record a FIND_VALUE of kind station returns):
 *   path (u8 n + n × 8-byte id prefixes: the relays from the broadcaster's node down to the
 *   offering node), u32 price, u8 children, u8 capacity, u16 length + signed info segment
 *
 * contact: id 32, u8 flags (bit 0: key follows), [public key 32], u8 length + address, u16 port.
 * Addresses are text so the same bytes work on UDP and on in-memory test networks.
 */
export const RADIO_SERVICE = 'radio'

export const RadioMessageType = { subscribe: 1, adopt: 2, push: 3, leave: 4 } as const

/** Deepest a tree may grow; an offer deeper than this is refused (delay grows with depth). */
export const MAX_DEPTH = 32
export const PATH_ID_BYTES = 8
export const MAX_ALTERNATIVES = 16
const MAX_INFO_BYTES = 1024

export type SubscribeStatus = 'accepted' | 'full' | 'not-carrying' | 'loop'
const STATUSES: readonly SubscribeStatus[] = ['accepted', 'full', 'not-carrying', 'loop']

export interface Offer {
  /** 8-byte id prefixes, broadcaster's node first, the offering node last. */
  path: Buffer[]
  price: number
  children: number
  capacity: number
  /** A recent signed info segment: proof the node really carries the station. */
  info: Buffer
}

export interface Alternative { contact: Contact, price: number }

export type RadioRequest =
  | { type: 'subscribe', station: Buffer, burst: boolean }
  | { type: 'adopt', station: Buffer }
  | { type: 'push', path: Buffer[], segment: Buffer }
  | { type: 'leave', station: Buffer }

export interface SubscribeReply {
  status: SubscribeStatus
  offer?: Offer
  alternatives: Alternative[]
}

export interface PushReply { taken: boolean, price: number, listeners: number, relays: number }

function writePath (w: Writer, path: Buffer[]): void {
  if (path.length > MAX_DEPTH + 1) throw new RangeError('path too long')
  w.u8(path.length)
  for (const p of path) { if (p.length !== PATH_ID_BYTES) throw new RangeError('bad path id'); w.bytes(p) }
}

function readPath (r: Reader): Buffer[] {
  const n = r.u8()
  if (n > MAX_DEPTH + 1) throw new WireError(`${r.what}: path of ${n} relays exceeds ${MAX_DEPTH + 1}`)
  return Array.from({ length: n }, () => Buffer.from(r.bytes(PATH_ID_BYTES)))
}

export function writeOffer (w: Writer, o: Offer): void {
  writePath(w, o.path)
  w.u32(o.price).u8(Math.min(255, o.children)).u8(Math.min(255, o.capacity)).bytes16(o.info)
}

export function readOffer (r: Reader): Offer {
  const path = readPath(r)
  if (path.length === 0) throw new WireError(`${r.what}: empty path`)
  return { path, price: r.u32(), children: r.u8(), capacity: r.u8(), info: Buffer.from(r.bytes16(MAX_INFO_BYTES)) }
}

export function encodeOffer (o: Offer): Buffer {
  const w = new Writer(64 + o.info.length)
  writeOffer(w, o)
  return w.finish()
}

export function decodeOffer (b: Uint8Array): Offer {
  const r = new Reader(b, 'station offer')
  const o = readOffer(r)
  r.end()
  return o
}

function writeContact (w: Writer, c: Contact): void {
  const key = c.publicKey !== undefined && c.publicKey.length === 32
  w.bytes(c.id).u8(key ? 1 : 0)
  if (key) w.bytes(c.publicKey as Buffer)
  w.string8(c.endpoint.address).u16(c.endpoint.port)
}

function readContact (r: Reader): Contact {
  const id = Buffer.from(r.bytes(32))
  const flags = r.u8()
  if ((flags & ~1) !== 0) throw new WireError(`${r.what}: unknown contact flags`)
  const publicKey = (flags & 1) !== 0 ? Buffer.from(r.bytes(32)) : undefined
  // A key that does not hash to the id would let a relay send us to an impostor.
  if (publicKey !== undefined && !nodeIdOf(publicKey).equals(id)) throw new WireError(`${r.what}: contact key does not match its id`)
  const address = r.string8(64)
  const port = r.u16()
  if (port === 0 || address.length === 0) throw new WireError(`${r.what}: unusable contact endpoint`)
  return makeContact(id, { address, port }, publicKey !== undefined ? { publicKey } : {})
}

export function encodeRequest (m: RadioRequest): Buffer {
  const w = new Writer(m.type === 'push' ? 64 + m.segment.length : 48)
  w.u8(RadioMessageType[m.type])
  switch (m.type) {
    case 'subscribe': w.bytes(m.station).u8(m.burst ? 1 : 0); break
    case 'adopt': case 'leave': w.bytes(m.station); break
    case 'push': writePath(w, m.path); w.bytes16(m.segment); break
  }
  return w.finish()
}

/** Throws WireError on anything but one well-formed request. The pushed segment stays encoded. */
export function decodeRequest (b: Uint8Array): RadioRequest {
  const r = new Reader(b, 'radio request')
  const type = r.u8()
  let m: RadioRequest
  switch (type) {
    case RadioMessageType.subscribe: {
      const station = Buffer.from(r.bytes(32))
      const flags = r.u8()
      if ((flags & ~1) !== 0) throw new WireError('radio request: unknown subscribe flags')
      m = { type: 'subscribe', station, burst: (flags & 1) !== 0 }
      break
    }
    case RadioMessageType.adopt: m = { type: 'adopt', station: Buffer.from(r.bytes(32)) }; break
    case RadioMessageType.leave: m = { type: 'leave', station: Buffer.from(r.bytes(32)) }; break
    case RadioMessageType.push: m = { type: 'push', path: readPath(r), segment: Buffer.from(r.bytes16(MAX_SEGMENT_BYTES)) }; break
    default: throw new WireError(`radio request: unknown type ${type}`)
  }
  r.end()
  return m
}

export function encodeSubscribeReply (m: SubscribeReply): Buffer {
  const w = new Writer(128)
  w.u8(STATUSES.indexOf(m.status)).u8(m.offer !== undefined ? 1 : 0)
  if (m.offer !== undefined) writeOffer(w, m.offer)
  const alts = m.alternatives.slice(0, MAX_ALTERNATIVES)
  w.u8(alts.length)
  for (const a of alts) { writeContact(w, a.contact); w.u32(a.price) }
  return w.finish()
}

export function decodeSubscribeReply (b: Uint8Array): SubscribeReply {
  const r = new Reader(b, 'radio subscribe reply')
  const status = STATUSES[r.u8()]
  if (status === undefined) throw new WireError('radio subscribe reply: unknown status')
  const has = r.u8()
  if (has > 1) throw new WireError('radio subscribe reply: bad offer flag')
  const offer = has === 1 ? readOffer(r) : undefined
  const n = r.u8()
  if (n > MAX_ALTERNATIVES) throw new WireError(`radio subscribe reply: ${n} alternatives exceed ${MAX_ALTERNATIVES}`)
  const alternatives = Array.from({ length: n }, () => ({ contact: readContact(r), price: r.u32() }))
  r.end()
  return offer !== undefined ? { status, offer, alternatives } : { status, alternatives }
}

export function encodePushReply (m: PushReply): Buffer {
  return new Writer(16).u8(m.taken ? 0 : 1).u32(m.price).u32(m.listeners).u32(m.relays).finish()
}

export function decodePushReply (b: Uint8Array): PushReply {
  const r = new Reader(b, 'radio push reply')
  const status = r.u8()
  if (status > 1) throw new WireError('radio push reply: unknown status')
  const price = r.u32()
  const listeners = r.u32()
  const relays = r.u32()
  r.end()
  return { taken: status === 0, price, listeners, relays }
}

export const LEAVE_REPLY = Buffer.from([0])

/** The 8-byte prefix a path names a node by. */
export function pathId (id: Buffer): Buffer {
  return Buffer.from(id.subarray(0, PATH_ID_BYTES))
}
