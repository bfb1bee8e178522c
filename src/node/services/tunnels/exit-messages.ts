/**
 * The exit protocol: what a RemoteServiceNetwork (remote-network.ts) asks the
 * last hop of its circuit to do on the network for it, and the answers
 * (network-exit.ts runs them). Little-endian, every decoder checks lengths
 * and rejects trailing bytes.
 *
 * A lookup answer that always fits one relay request goes as a circuit
 * request; everything whose answer can be larger than MAX_REQUEST_BYTES (a
 * FIND_VALUE value, a service reply) goes as one circuit stream per
 * operation, carrying u32-length-prefixed frames:
 *
 *   net-closest     request  key[32] | count u8 (1..MAX_REMOTE_CLOSEST)
 *                   answer   status u8 | (ok: n u8 | contact × n) | (error: code string8 | message string16)
 *   net-find-value  stream   frame: key[32] | kind u8 (1..255) | stopCount u8 | stopQuorum u8   (0/0: no early stop)
 *                   answer   frame: status u8 | ok: from contact | value (rest, ≤ MAX_VALUE_BYTES)
 *                                             | miss: notFound u32 | stoppedEarly u8
 *                                             | error: code string8 | message string16
 *   net-request     stream   frame: to contact | service string8 | timeoutMs u32 | payload (rest, ≤ MAX_EXIT_PAYLOAD)
 *                   answer   frame: status u8 | ok: reply (rest, ≤ MAX_EXIT_PAYLOAD) | error: as above
 *   net-stream      stream   frame: to contact | service string8
 *                   answer   frame: status u8 | error: as above; after ok the stream carries the
 *                            service's bytes both ways, unframed
 *
 *   contact = the DHT form (routing-messages.ts writeDhtContact): public key, endpoint and rank
 *             nonce, so the far side checks id = SHA-256(key) and the rank from key and nonce.
 *
 * Status: 0 ok, 1 miss (FIND_VALUE without a value), 2 error. An error carries
 * the code the exit's own call failed with (LINK_TIMEOUT, LINK_UNKNOWN_SERVICE,
 * TUNNEL_LIMIT, ...), so the caller handles it as it would a direct failure.
 */
import { TornetError } from '../../errors.js'
import type { Contact } from '../../routing/contact.js'
import { contactFromWire, contactToWire } from '../../routing/wire-contact.js'
import { Reader, WireError, Writer } from '../../wire/codec.js'
import { MAX_VALUE_BYTES, readDhtContact, writeDhtContact } from '../../wire/routing-messages.js'
import { MAX_REQUEST_BYTES } from './relay-message.js'

export const EXIT_CLOSEST = 'net-closest'
export const EXIT_FIND_VALUE = 'net-find-value'
export const EXIT_REQUEST = 'net-request'
export const EXIT_STREAM = 'net-stream'

/** Contacts a closest answer may carry (the DHT's k); fewer when they would not fit one relay request. */
export const MAX_REMOTE_CLOSEST = 20
/** Largest service request or reply relayed by an exit (a link request is one datagram). */
export const MAX_EXIT_PAYLOAD = 64 * 1024
/** Largest frame of the exit protocol: a payload plus its header. */
export const MAX_EXIT_FRAME = MAX_EXIT_PAYLOAD + 512
const MAX_CODE = 64
const MAX_MESSAGE = 400

export const ExitStatus = { ok: 0, miss: 1, error: 2 } as const

export interface ExitFailure { code: string, message: string }

export interface ClosestQuery { key: Buffer, count: number }
export type ClosestAnswer = { ok: true, contacts: Contact[] } | { ok: false, error: ExitFailure }

export interface FindValueQuery { key: Buffer, kind: number, notFoundStop?: { count: number, quorum: number } }
export type FindValueAnswer =
  | { status: 'value', from: Contact, value: Buffer }
  | { status: 'miss', notFound: number, stoppedEarly: boolean }
  | { status: 'error', error: ExitFailure }

export interface RequestQuery { to: Contact, service: string, timeoutMs: number, payload: Buffer }
export type RequestAnswer = { ok: true, reply: Buffer } | { ok: false, error: ExitFailure }

export interface StreamQuery { to: Contact, service: string }
export type StreamAnswer = { ok: true } | { ok: false, error: ExitFailure }

// ---- contacts ----

function writeContact (w: Writer, c: Contact): void {
  writeDhtContact(w, contactToWire(c, true))
}

/** A contact from the far side, checked as the DHT checks one (key hashes to id; rank from key and nonce). */
function readContact (r: Reader): Contact {
  const c = contactFromWire(readDhtContact(r))
  if (c === undefined) throw new WireError('exit: unusable contact (id, key or endpoint)')
  return c
}

function writeService (w: Writer, service: string): void {
  if (!/^[\x21-\x7e]{1,64}$/.test(service)) throw new RangeError(`exit: service name "${service}" is not 1..64 printable ASCII`)
  w.string8(service)
}

function readService (r: Reader): string {
  const s = r.string8(64)
  if (!/^[\x21-\x7e]{1,64}$/.test(s)) throw new WireError('exit: bad service name')
  return s
}

function writeFailure (w: Writer, f: ExitFailure): void {
  const code = /^[A-Z0-9_]{1,64}$/.test(f.code) ? f.code : 'EXIT_FAILED'
  w.u8(ExitStatus.error).string8(code).string16(truncateUtf8(f.message, MAX_MESSAGE))
}

function readFailure (r: Reader): ExitFailure {
  const code = r.string8(MAX_CODE)
  if (!/^[A-Z0-9_]{1,64}$/.test(code)) throw new WireError('exit: bad error code')
  return { code, message: r.string16(MAX_MESSAGE * 4) }
}

function truncateUtf8 (s: string, max: number): string {
  return s.length <= max ? s : s.slice(0, max)
}

/** The error the caller sees for a failure reported by the exit: the same code, the exit's words. */
export function exitFailureError (f: ExitFailure): TornetError {
  return new TornetError(f.code, `at the circuit's exit: ${f.message}`)
}

/** What goes back for an error thrown at the exit: its code when it has one. */
export function failureOf (err: unknown): ExitFailure {
  const code = typeof (err as { code?: unknown })?.code === 'string' ? (err as { code: string }).code : 'EXIT_FAILED'
  return { code, message: err instanceof Error ? err.message : String(err) }
}

// ---- net-closest ----

export function encodeClosestQuery (q: ClosestQuery): Buffer {
  checkKey(q.key)
  if (!Number.isInteger(q.count) || q.count < 1 || q.count > MAX_REMOTE_CLOSEST) throw new RangeError(`exit: count ${q.count} not in 1..${MAX_REMOTE_CLOSEST}`)
  return new Writer(33).bytes(q.key).u8(q.count).finish()
}

export function decodeClosestQuery (b: Uint8Array): ClosestQuery {
  const r = new Reader(b, 'net-closest')
  const key = Buffer.from(r.bytes(32))
  const count = r.u8()
  r.end()
  if (count < 1 || count > MAX_REMOTE_CLOSEST) throw new WireError(`net-closest: count ${count} not in 1..${MAX_REMOTE_CLOSEST}`)
  return { key, count }
}

/** Nearest first; contacts that would not fit one relay request are left off the end. */
export function encodeClosestAnswer (a: ClosestAnswer): Buffer {
  const w = new Writer(MAX_REQUEST_BYTES)
  if (!a.ok) { writeFailure(w, a.error); return w.finish() }
  const parts: Buffer[] = []
  let bytes = 2
  for (const c of a.contacts.slice(0, MAX_REMOTE_CLOSEST)) {
    const one = new Writer(64)
    try { writeContact(one, c) } catch { continue } // a contact without a usable endpoint is not worth sending
    const b = one.finish()
    if (bytes + b.length > MAX_REQUEST_BYTES) break
    bytes += b.length
    parts.push(b)
  }
  w.u8(ExitStatus.ok).u8(parts.length)
  for (const p of parts) w.bytes(p)
  return w.finish()
}

export function decodeClosestAnswer (b: Uint8Array): ClosestAnswer {
  const r = new Reader(b, 'net-closest answer')
  const status = r.u8()
  if (status === ExitStatus.error) { const error = readFailure(r); r.end(); return { ok: false, error } }
  if (status !== ExitStatus.ok) throw new WireError(`net-closest answer: status ${status}`)
  const n = r.u8()
  if (n > MAX_REMOTE_CLOSEST) throw new WireError(`net-closest answer: ${n} contacts exceed ${MAX_REMOTE_CLOSEST}`)
  const contacts: Contact[] = []
  for (let i = 0; i < n; i++) contacts.push(readContact(r))
  r.end()
  return { ok: true, contacts }
}

// ---- net-find-value ----

export function encodeFindValueQuery (q: FindValueQuery): Buffer {
  checkKey(q.key)
  if (!Number.isInteger(q.kind) || q.kind < 1 || q.kind > 255) throw new RangeError(`exit: value kind ${q.kind} not in 1..255`)
  const stop = q.notFoundStop
  const count = stop === undefined ? 0 : Math.min(255, Math.max(1, stop.count))
  const quorum = stop === undefined ? 0 : Math.min(255, Math.max(1, stop.quorum))
  return new Writer(35).bytes(q.key).u8(q.kind).u8(count).u8(quorum).finish()
}

export function decodeFindValueQuery (b: Uint8Array): FindValueQuery {
  const r = new Reader(b, 'net-find-value')
  const key = Buffer.from(r.bytes(32))
  const kind = r.u8()
  const count = r.u8()
  const quorum = r.u8()
  r.end()
  if (kind === 0) throw new WireError('net-find-value: kind 0 is a node lookup (use net-closest)')
  if ((count === 0) !== (quorum === 0)) throw new WireError('net-find-value: early stop needs both count and quorum')
  return count === 0 ? { key, kind } : { key, kind, notFoundStop: { count, quorum } }
}

export function encodeFindValueAnswer (a: FindValueAnswer): Buffer {
  const w = new Writer(256)
  if (a.status === 'error') writeFailure(w, a.error)
  else if (a.status === 'miss') w.u8(ExitStatus.miss).u32(Math.min(0xffffffff, Math.max(0, Math.floor(a.notFound)))).u8(a.stoppedEarly ? 1 : 0)
  else {
    if (a.value.length > MAX_VALUE_BYTES) throw new RangeError(`exit: value of ${a.value.length} bytes exceeds ${MAX_VALUE_BYTES}`)
    w.u8(ExitStatus.ok)
    writeContact(w, a.from)
    w.bytes(a.value)
  }
  return w.finish()
}

export function decodeFindValueAnswer (b: Uint8Array): FindValueAnswer {
  const r = new Reader(b, 'net-find-value answer')
  const status = r.u8()
  if (status === ExitStatus.error) { const error = readFailure(r); r.end(); return { status: 'error', error } }
  if (status === ExitStatus.miss) {
    const notFound = r.u32()
    const early = r.u8()
    r.end()
    if (early > 1) throw new WireError('net-find-value answer: bad flag')
    return { status: 'miss', notFound, stoppedEarly: early === 1 }
  }
  if (status !== ExitStatus.ok) throw new WireError(`net-find-value answer: status ${status}`)
  const from = readContact(r)
  if (r.remaining > MAX_VALUE_BYTES) throw new WireError(`net-find-value answer: value exceeds ${MAX_VALUE_BYTES} bytes`)
  const value = Buffer.from(r.rest())
  return { status: 'value', from, value }
}

// ---- net-request ----

export function encodeRequestQuery (q: RequestQuery): Buffer {
  if (q.payload.length > MAX_EXIT_PAYLOAD) throw new RangeError(`exit: a request of ${q.payload.length} bytes exceeds ${MAX_EXIT_PAYLOAD}`)
  const w = new Writer(q.payload.length + 128)
  writeContact(w, q.to)
  writeService(w, q.service)
  w.u32(Math.min(0xffffffff, Math.max(0, Math.floor(q.timeoutMs)))).bytes(q.payload)
  return w.finish()
}

export function decodeRequestQuery (b: Uint8Array): RequestQuery {
  const r = new Reader(b, 'net-request')
  const to = readContact(r)
  const service = readService(r)
  const timeoutMs = r.u32()
  if (r.remaining > MAX_EXIT_PAYLOAD) throw new WireError(`net-request: payload exceeds ${MAX_EXIT_PAYLOAD} bytes`)
  return { to, service, timeoutMs, payload: Buffer.from(r.rest()) }
}

export function encodeRequestAnswer (a: RequestAnswer): Buffer {
  const w = new Writer(a.ok ? a.reply.length + 1 : 256)
  if (!a.ok) { writeFailure(w, a.error); return w.finish() }
  if (a.reply.length > MAX_EXIT_PAYLOAD) throw new RangeError(`exit: a reply of ${a.reply.length} bytes exceeds ${MAX_EXIT_PAYLOAD}`)
  return w.u8(ExitStatus.ok).bytes(a.reply).finish()
}

export function decodeRequestAnswer (b: Uint8Array): RequestAnswer {
  const r = new Reader(b, 'net-request answer')
  const status = r.u8()
  if (status === ExitStatus.error) { const error = readFailure(r); r.end(); return { ok: false, error } }
  if (status !== ExitStatus.ok) throw new WireError(`net-request answer: status ${status}`)
  if (r.remaining > MAX_EXIT_PAYLOAD) throw new WireError(`net-request answer: reply exceeds ${MAX_EXIT_PAYLOAD} bytes`)
  return { ok: true, reply: Buffer.from(r.rest()) }
}

// ---- net-stream ----

export function encodeStreamQuery (q: StreamQuery): Buffer {
  const w = new Writer(128)
  writeContact(w, q.to)
  writeService(w, q.service)
  return w.finish()
}

export function decodeStreamQuery (b: Uint8Array): StreamQuery {
  const r = new Reader(b, 'net-stream')
  const to = readContact(r)
  const service = readService(r)
  r.end()
  return { to, service }
}

export function encodeStreamAnswer (a: StreamAnswer): Buffer {
  const w = new Writer(256)
  if (a.ok) w.u8(ExitStatus.ok)
  else writeFailure(w, a.error)
  return w.finish()
}

export function decodeStreamAnswer (b: Uint8Array): StreamAnswer {
  const r = new Reader(b, 'net-stream answer')
  const status = r.u8()
  if (status === ExitStatus.error) { const error = readFailure(r); r.end(); return { ok: false, error } }
  if (status !== ExitStatus.ok) throw new WireError(`net-stream answer: status ${status}`)
  r.end()
  return { ok: true }
}

function checkKey (key: Buffer): void {
  if (!Buffer.isBuffer(key) || key.length !== 32) throw new RangeError('exit: a key is 32 bytes')
}
