import { isIPv4, isIPv6 } from 'node:net'
import { sha256 } from '../crypto/hash.js'
import type { Endpoint } from '../types.js'
import { Reader, WireError, Writer } from './codec.js'
import { ipv6Bytes, ipv6Text } from './ipv6.js'
import { decodeIntroducers, encodeIntroducers, type Introducer } from './punch-messages.js'

/**
 * The DHT protocol ("dht" service), version 1. Little-endian; every message is
 * one type byte followed by its body; every decoder checks every length and
 * rejects trailing bytes.
 *
 *  type  name             body
 *  0x01  PING             (empty)
 *  0x02  PONG             contact (the responder, with KEY) | endpoint (the requester as seen)
 *  0x03  FIND_NODE        target[32] | count u8 | flags u8 | n u8 | known u16 × n
 *  0x04  FIND_VALUE       target[32] | kind u8 | count u8 | flags u8 | n u8 | known u16 × n
 *  0x05  NODES            n u8 | contact × n
 *  0x06  VALUE            kind u8 | len u16 | value[len]
 *  0x07  NOT_FOUND_COUNT  notFound u32 | n u8 | contact × n
 *  0x08  CACHE_VALUE      target[32] | kind u8 | len u16 | value[len]
 *  0x09  CACHE_ACK        accepted u8 (0 | 1)
 *
 *  contact  = idOrKey[32] | cflags u8 | endpoint-address | port u16 | (nonce[8] if cflags.NONCE)
 *             cflags bit0 = IPv6 address (16 bytes, else 4); bit1 = KEY: idOrKey is the
 *             node's ed25519 public key and its id is SHA-256(key), else idOrKey is the id;
 *             bit2 = NONCE (only with KEY): the rank nonce follows; other bits must be 0
 *  endpoint = eflags u8 (bit0 = IPv6) | address (4 or 16) | port u16
 *
 * `count` (1..32) is how many contacts the requester wants; `known` are
 * fingerprints (the last 2 bytes of the id, LE) of ids the requester already
 * holds, which the responder leaves out, so the final round of a lookup does
 * not carry the same twenty contacts back twenty times (a collision only
 * leaves one contact out of one reply; others still send it). `kind` names
 * the service a FIND_VALUE is for (chunks, kv, names, ...); kind 0 is
 * reserved for node lookups.
 *
 * FIND_* flags: bit0 = WANT_KEYS: send contacts by public key. A node id is
 * the hash of its key, so the key takes the id's place and costs nothing,
 * and a requester holding a contact's key reaches it in one round trip (the
 * link's IK handshake carries the request) instead of two (XX first learns
 * the key). bit1 = WANT_NONCES (only with WANT_KEYS): add each contact's
 * 8-byte rank nonce, so ranks are known before any handshake (the handshake
 * proves the rank anyway, so lookups do not need it). Other bits must be 0.
 * A contact is 39 bytes (IPv4, id or key) to 59 bytes (IPv6, key and nonce).
 * (Chunk provider records and the contact memory keep the longer form of
 * writeWireContact below: id, then key and nonce, then — cflags bit3, only in
 * that long form — introducers: len u8 ‖ the versioned INTRODUCERS list of
 * punch-messages.ts, which a node behind a NAT publishes so others can punch
 * to it. Records without the bit decode as before.)
 */
export const RoutingMessageType = {
  ping: 0x01,
  pong: 0x02,
  findNode: 0x03,
  findValue: 0x04,
  nodes: 0x05,
  value: 0x06,
  notFoundCount: 0x07,
  cacheValue: 0x08,
  cacheAck: 0x09
} as const

/** Value kinds shared by services through FIND_VALUE. 0 means "node lookup". */
export const ValueKind = {
  node: 0,
  chunk: 1,
  kv: 2,
  name: 3,
  mailbox: 4,
  station: 5
} as const

export const MAX_CONTACTS = 32
export const MAX_KNOWN = 32
/** Largest VALUE payload: leaves room for headers inside a 64 KiB link message. */
export const MAX_VALUE_BYTES = 60 * 1024
export const FIND_FLAG_WANT_KEYS = 0x01
export const FIND_FLAG_WANT_NONCES = 0x02

const CONTACT_FLAG_V6 = 0x01
const CONTACT_FLAG_KEY = 0x02
const CONTACT_FLAG_NONCE = 0x04
/** Long form only: introducers follow the key and nonce. */
const CONTACT_FLAG_INTRODUCERS = 0x08
const ID_BYTES = 32
const KEY_BYTES = 32
const NONCE_BYTES = 8

export interface WireContact {
  id: Buffer
  endpoint: Endpoint
  publicKey?: Buffer
  nonce?: Buffer
  /** Long form only: the reachable peers that introduce this (NATted) node (punch service). */
  introducers?: Introducer[]
}

export interface FindRequest {
  target: Buffer
  /** 0 for FIND_NODE, a service kind (1..255) for FIND_VALUE. */
  kind: number
  count: number
  /** Contacts by public key (WANT_KEYS). */
  wantKeys: boolean
  /** Keyed contacts also carry their rank nonce (WANT_NONCES; needs wantKeys). Absent means false. */
  wantNonces?: boolean
  /** Fingerprints of ids the requester already knows (see idFingerprint). */
  known: number[]
}

export type RoutingMessage =
  | { type: 'ping' }
  | { type: 'pong', self: WireContact, observed: Endpoint }
  | { type: 'find', request: FindRequest }
  | { type: 'nodes', contacts: WireContact[] }
  | { type: 'value', kind: number, value: Buffer }
  | { type: 'notFoundCount', notFound: number, contacts: WireContact[] }
  | { type: 'cacheValue', target: Buffer, kind: number, value: Buffer }
  | { type: 'cacheAck', accepted: boolean }

export function encodeRoutingMessage (m: RoutingMessage): Buffer {
  const w = new Writer(64)
  switch (m.type) {
    case 'ping': w.u8(RoutingMessageType.ping); break
    case 'pong':
      w.u8(RoutingMessageType.pong)
      writeDhtContact(w, m.self)
      writeEndpoint(w, m.observed)
      break
    case 'find': {
      const r = m.request
      checkLength(r.target, ID_BYTES, 'target')
      if (r.count < 1 || r.count > MAX_CONTACTS) throw new RangeError(`find: count ${r.count} outside 1..${MAX_CONTACTS}`)
      if (r.known.length > MAX_KNOWN) throw new RangeError(`find: more than ${MAX_KNOWN} known fingerprints`)
      if (r.kind === 0) {
        w.u8(RoutingMessageType.findNode).bytes(r.target)
      } else {
        if (r.kind < 1 || r.kind > 255) throw new RangeError(`find: kind ${r.kind} outside 1..255`)
        w.u8(RoutingMessageType.findValue).bytes(r.target).u8(r.kind)
      }
      if (r.wantNonces === true && !r.wantKeys) throw new RangeError('find: wantNonces needs wantKeys')
      w.u8(r.count).u8((r.wantKeys ? FIND_FLAG_WANT_KEYS : 0) | (r.wantNonces === true ? FIND_FLAG_WANT_NONCES : 0)).u8(r.known.length)
      for (const f of r.known) w.u16(f)
      break
    }
    case 'nodes':
      w.u8(RoutingMessageType.nodes)
      writeContacts(w, m.contacts)
      break
    case 'value':
      w.u8(RoutingMessageType.value).u8(checkKind(m.kind))
      writeValue(w, m.value)
      break
    case 'notFoundCount':
      w.u8(RoutingMessageType.notFoundCount).u32(Math.min(m.notFound, 0xffffffff))
      writeContacts(w, m.contacts)
      break
    case 'cacheValue':
      checkLength(m.target, ID_BYTES, 'target')
      w.u8(RoutingMessageType.cacheValue).bytes(m.target).u8(checkKind(m.kind))
      writeValue(w, m.value)
      break
    case 'cacheAck': w.u8(RoutingMessageType.cacheAck).u8(m.accepted ? 1 : 0); break
  }
  return w.finish()
}

/** Throws WireError (WIRE_MALFORMED) on anything malformed; use tryDecode at the edge. */
export function decodeRoutingMessage (b: Uint8Array): RoutingMessage {
  const r = new Reader(b, 'dht message')
  const type = r.u8()
  let m: RoutingMessage
  switch (type) {
    case RoutingMessageType.ping: m = { type: 'ping' }; break
    case RoutingMessageType.pong: {
      const self = readDhtContact(r)
      if (self.publicKey === undefined) throw new WireError('dht pong: responder contact carries no key')
      m = { type: 'pong', self, observed: readEndpoint(r) }
      break
    }
    case RoutingMessageType.findNode:
    case RoutingMessageType.findValue: {
      const target = Buffer.from(r.bytes(ID_BYTES))
      let kind = 0
      if (type === RoutingMessageType.findValue) {
        kind = r.u8()
        if (kind === 0) throw new WireError('dht find_value: kind 0 is reserved for node lookups')
      }
      const count = r.u8()
      if (count < 1 || count > MAX_CONTACTS) throw new WireError(`dht find: count ${count} outside 1..${MAX_CONTACTS}`)
      const flags = r.u8()
      if ((flags & ~(FIND_FLAG_WANT_KEYS | FIND_FLAG_WANT_NONCES)) !== 0) throw new WireError('dht find: unknown flags')
      const wantKeys = (flags & FIND_FLAG_WANT_KEYS) !== 0
      if ((flags & FIND_FLAG_WANT_NONCES) !== 0 && !wantKeys) throw new WireError('dht find: WANT_NONCES without WANT_KEYS')
      const n = r.u8()
      if (n > MAX_KNOWN) throw new WireError(`dht find: ${n} known fingerprints exceed ${MAX_KNOWN}`)
      const known: number[] = []
      for (let i = 0; i < n; i++) known.push(r.u16())
      const request: FindRequest = { target, kind, count, wantKeys, known }
      if ((flags & FIND_FLAG_WANT_NONCES) !== 0) request.wantNonces = true
      m = { type: 'find', request }
      break
    }
    case RoutingMessageType.nodes: m = { type: 'nodes', contacts: readContacts(r) }; break
    case RoutingMessageType.value: {
      const kind = readKind(r)
      m = { type: 'value', kind, value: Buffer.from(r.bytes16(MAX_VALUE_BYTES)) }
      break
    }
    case RoutingMessageType.notFoundCount: {
      const notFound = r.u32()
      m = { type: 'notFoundCount', notFound, contacts: readContacts(r) }
      break
    }
    case RoutingMessageType.cacheValue: {
      const target = Buffer.from(r.bytes(ID_BYTES))
      const kind = readKind(r)
      m = { type: 'cacheValue', target, kind, value: Buffer.from(r.bytes16(MAX_VALUE_BYTES)) }
      break
    }
    case RoutingMessageType.cacheAck: {
      const a = r.u8()
      if (a > 1) throw new WireError('dht cache_ack: flag must be 0 or 1')
      m = { type: 'cacheAck', accepted: a === 1 }
      break
    }
    default: throw new WireError(`dht message: unknown type 0x${type.toString(16)}`)
  }
  r.end()
  return m
}

// Sizes, so the simulator can count bytes exactly as this codec would send them.

export function findRequestSize (kind: number, knownCount: number): number {
  return 1 + ID_BYTES + (kind === 0 ? 0 : 1) + 3 + 2 * knownCount
}

/** Bytes of one contact in a DHT message: the same with or without key (the key replaces the id). */
export function contactSize (ipv6: boolean, withNonce: boolean): number {
  return ID_BYTES + 1 + (ipv6 ? 16 : 4) + 2 + (withNonce ? NONCE_BYTES : 0)
}

export function nodesReplySize (contactBytes: number, notFoundCount = false): number {
  return 1 + (notFoundCount ? 4 : 0) + 1 + contactBytes
}

// Endpoints: IPv4 as 4 bytes, IPv6 as 16; the text form is what node:dgram uses.

export function encodeAddress (address: string): Buffer {
  if (isIPv4(address)) return Buffer.from(address.split('.').map(Number))
  if (isIPv6(address)) return ipv6Bytes(address)
  throw new RangeError(`not an IP address: ${address}`)
}

export function decodeAddress (b: Uint8Array): string {
  if (b.length === 4) return `${b[0]}.${b[1]}.${b[2]}.${b[3]}`
  if (b.length !== 16) throw new WireError('address must be 4 or 16 bytes')
  return ipv6Text(b)
}

/** flags u8 (bit 0: IPv6) ‖ address (4 or 16 bytes) ‖ port u16: how every codec carries an endpoint. */
export function writeEndpoint (w: Writer, e: Endpoint): void {
  const a = encodeAddress(e.address)
  checkPort(e.port)
  w.u8(a.length === 16 ? CONTACT_FLAG_V6 : 0).bytes(a).u16(e.port)
}

export function readEndpoint (r: Reader): Endpoint {
  const flags = r.u8()
  if ((flags & ~CONTACT_FLAG_V6) !== 0) throw new WireError('endpoint: unknown flags')
  const address = decodeAddress(r.bytes((flags & CONTACT_FLAG_V6) !== 0 ? 16 : 4))
  return { address, port: r.u16() }
}

/**
 * One contact in DHT messages (PONG, NODES, NOT_FOUND_COUNT): by public key
 * when the contact has one (the id is its hash), with the nonce when present.
 * The caller vouches that id = SHA-256(publicKey); the receiver derives the id
 * from the key, so a mismatch can only name a different node, never forge one.
 */
export function writeDhtContact (w: Writer, c: WireContact): void {
  checkLength(c.id, ID_BYTES, 'contact id')
  const a = encodeAddress(c.endpoint.address)
  checkPort(c.endpoint.port)
  const key = c.publicKey
  if (key !== undefined) checkLength(key, KEY_BYTES, 'public key')
  const nonce = key !== undefined ? c.nonce : undefined
  if (nonce !== undefined) checkLength(nonce, NONCE_BYTES, 'nonce')
  const flags = (a.length === 16 ? CONTACT_FLAG_V6 : 0) | (key !== undefined ? CONTACT_FLAG_KEY : 0) | (nonce !== undefined ? CONTACT_FLAG_NONCE : 0)
  w.bytes(key ?? c.id).u8(flags).bytes(a).u16(c.endpoint.port)
  if (nonce !== undefined) w.bytes(nonce)
}

/** Reads a DHT-message contact; a keyed one gets id = SHA-256(key). */
export function readDhtContact (r: Reader): WireContact {
  const idOrKey = Buffer.from(r.bytes(ID_BYTES))
  const flags = r.u8()
  if ((flags & ~(CONTACT_FLAG_V6 | CONTACT_FLAG_KEY | CONTACT_FLAG_NONCE)) !== 0) throw new WireError('contact: unknown flags')
  const keyed = (flags & CONTACT_FLAG_KEY) !== 0
  if ((flags & CONTACT_FLAG_NONCE) !== 0 && !keyed) throw new WireError('contact: nonce without key')
  const address = decodeAddress(r.bytes((flags & CONTACT_FLAG_V6) !== 0 ? 16 : 4))
  const endpoint = { address, port: r.u16() }
  if (!keyed) return { id: idOrKey, endpoint }
  const c: WireContact = { id: sha256(idOrKey), endpoint, publicKey: idOrKey }
  if ((flags & CONTACT_FLAG_NONCE) !== 0) c.nonce = Buffer.from(r.bytes(NONCE_BYTES))
  return c
}

/**
 * One contact in the long form: id, endpoint, then key and nonce when
 * `withKey` (chunk provider records and the contact memory use it).
 */
export function writeWireContact (w: Writer, c: WireContact, withKey: boolean): void {
  checkLength(c.id, ID_BYTES, 'contact id')
  const a = encodeAddress(c.endpoint.address)
  checkPort(c.endpoint.port)
  const key = withKey && c.publicKey !== undefined && c.nonce !== undefined
  const intro = c.introducers !== undefined && c.introducers.length > 0
  w.bytes(c.id).u8((a.length === 16 ? CONTACT_FLAG_V6 : 0) | (key ? CONTACT_FLAG_KEY : 0) | (intro ? CONTACT_FLAG_INTRODUCERS : 0)).bytes(a).u16(c.endpoint.port)
  if (key) {
    checkLength(c.publicKey as Buffer, KEY_BYTES, 'public key')
    checkLength(c.nonce as Buffer, NONCE_BYTES, 'nonce')
    w.bytes(c.publicKey as Buffer).bytes(c.nonce as Buffer)
  }
  if (intro) w.bytes8(encodeIntroducers(c.introducers as Introducer[]))
}

export function readWireContact (r: Reader): WireContact {
  const id = Buffer.from(r.bytes(ID_BYTES))
  const flags = r.u8()
  if ((flags & ~(CONTACT_FLAG_V6 | CONTACT_FLAG_KEY | CONTACT_FLAG_INTRODUCERS)) !== 0) throw new WireError('contact: unknown flags')
  const address = decodeAddress(r.bytes((flags & CONTACT_FLAG_V6) !== 0 ? 16 : 4))
  const c: WireContact = { id, endpoint: { address, port: r.u16() } }
  if ((flags & CONTACT_FLAG_KEY) !== 0) {
    c.publicKey = Buffer.from(r.bytes(KEY_BYTES))
    c.nonce = Buffer.from(r.bytes(NONCE_BYTES))
  }
  // decodeIntroducers checks version, count and that the list fills its length exactly.
  if ((flags & CONTACT_FLAG_INTRODUCERS) !== 0) c.introducers = decodeIntroducers(r.bytes8())
  return c
}

function writeContacts (w: Writer, contacts: WireContact[]): void {
  if (contacts.length > MAX_CONTACTS) throw new RangeError(`at most ${MAX_CONTACTS} contacts per message`)
  w.u8(contacts.length)
  for (const c of contacts) writeDhtContact(w, c)
}

function readContacts (r: Reader): WireContact[] {
  const n = r.u8()
  if (n > MAX_CONTACTS) throw new WireError(`dht: ${n} contacts exceed ${MAX_CONTACTS}`)
  const out: WireContact[] = []
  for (let i = 0; i < n; i++) out.push(readDhtContact(r))
  return out
}

function writeValue (w: Writer, v: Uint8Array): void {
  if (v.length > MAX_VALUE_BYTES) throw new RangeError(`value of ${v.length} bytes exceeds ${MAX_VALUE_BYTES}`)
  w.bytes16(v)
}

function readKind (r: Reader): number {
  const k = r.u8()
  if (k === 0) throw new WireError('dht: value kind 0 is reserved')
  return k
}

function checkKind (k: number): number {
  if (!Number.isInteger(k) || k < 1 || k > 255) throw new RangeError(`value kind ${k} outside 1..255`)
  return k
}

function checkLength (b: Uint8Array, n: number, what: string): void {
  if (b.length !== n) throw new RangeError(`${what} must be ${n} bytes`)
}

function checkPort (p: number): void {
  if (!Number.isInteger(p) || p < 0 || p > 0xffff) throw new RangeError(`port ${p} out of range`)
}
