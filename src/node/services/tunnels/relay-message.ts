import type { Endpoint } from '../../types.js'
import { readEndpoint, writeEndpoint } from '../../store/endpoint-codec.js'
import { Reader, WireError, Writer } from '../../wire/codec.js'
import { TunnelError, TunnelErrorCode } from './errors.js'
import { ONION_PAYLOAD_BYTES } from './onion.js'
import { END_REASON, type EndReason } from './tunnel-api.js'

/**
 * Relay messages: the plaintext inside an onion, once the hop it is meant for
 * has removed the last layer. Exactly ONION_PAYLOAD_BYTES:
 *
 *   u8   command    RelayCommand
 *   u16  stream id  little-endian; 0 = the circuit itself (EXTEND, circuit SENDME, REQUEST …)
 *   u16  length     of data, ≤ RELAY_DATA_MAX
 *   data, then zero padding (the onion layers already hide it)
 *
 * Bodies of the commands that have structure (all little-endian, no trailing bytes):
 *   EXTEND     id 32 ‖ ed25519 public key 32 ‖ endpoint (store/endpoint-codec) ‖ u16 len ‖ handshake
 *   EXTENDED   u16 len ‖ handshake reply
 *   BEGIN      u8 len ‖ service name (1..64 printable ASCII)
 *   END, TRUNCATE(D)  u8 reason (END_REASON)
 *   REQUEST, RESPONSE, NOTIFY  u32 request id ‖ u8 len ‖ name (0..32 printable ASCII) ‖ u16 len ‖ payload
 *   SENDME     u16 cells acknowledged (≥ 1)
 * DATA's body is the stream bytes themselves; DROP's is ignored (long-range padding).
 */

export const RelayCommand = {
  extend: 1,
  extended: 2,
  begin: 3,
  connected: 4,
  data: 5,
  end: 6,
  truncate: 7,
  truncated: 8,
  sendme: 9,
  request: 10,
  response: 11,
  notify: 12,
  drop: 13
} as const
export type RelayCommand = typeof RelayCommand[keyof typeof RelayCommand]

const KNOWN_COMMANDS = new Set<number>(Object.values(RelayCommand))
const KNOWN_REASONS = new Set<number>(Object.values(END_REASON))

export const RELAY_HEADER_BYTES = 5
export const RELAY_DATA_MAX = ONION_PAYLOAD_BYTES - RELAY_HEADER_BYTES
export const SERVICE_NAME_MAX = 64
export const REQUEST_NAME_MAX = 32
/** A REQUEST/RESPONSE/NOTIFY fits one relay message with the longest name. */
export const MAX_REQUEST_BYTES = RELAY_DATA_MAX - 4 - 1 - REQUEST_NAME_MAX - 2
/** Bound on an EXTEND/EXTENDED handshake (ntor uses 96 / 64). */
export const HANDSHAKE_MAX = 256

export interface RelayMessage {
  command: RelayCommand
  /** u16; 0 for circuit-level messages. */
  streamId: number
  data: Buffer
}

function malformed (what: string, err?: unknown): TunnelError {
  const detail = err instanceof Error ? `: ${err.message}` : ''
  return new TunnelError(TunnelErrorCode.MALFORMED, `${what}${detail}`, err === undefined ? undefined : { cause: err })
}

function invalid (message: string): TunnelError {
  return new TunnelError(TunnelErrorCode.INVALID_ARGUMENT, message)
}

/** Runs a body decoder over a Reader, turning any overrun or trailing byte into MALFORMED. */
function decodeWith<T> (what: string, b: Uint8Array, read: (r: Reader) => T): T {
  try {
    const r = new Reader(b, what)
    const v = read(r)
    r.end()
    return v
  } catch (err) {
    if (err instanceof TunnelError) throw err
    if (err instanceof WireError) throw malformed(what, err)
    throw err
  }
}

/** A relay message as a fresh payload, or written into `out` (ONION_PAYLOAD_BYTES: an onion's payload region, sealed in place next). */
export function encodeRelayMessage (m: RelayMessage, out?: Buffer): Buffer {
  if (!KNOWN_COMMANDS.has(m.command)) throw invalid(`relay message: unknown command ${m.command}`)
  if (!Number.isInteger(m.streamId) || m.streamId < 0 || m.streamId > 0xffff) throw invalid(`relay message: stream id ${m.streamId} is not a u16`)
  if (m.data.length > RELAY_DATA_MAX) throw invalid(`relay message: ${m.data.length} data bytes exceed ${RELAY_DATA_MAX}; split the data`)
  if (out !== undefined && out.length !== ONION_PAYLOAD_BYTES) throw invalid(`relay message: output of ${out.length} bytes, must be ${ONION_PAYLOAD_BYTES}`)
  const b = out ?? Buffer.allocUnsafe(ONION_PAYLOAD_BYTES)
  b[0] = m.command
  b.writeUInt16LE(m.streamId, 1)
  b.writeUInt16LE(m.data.length, 3)
  m.data.copy(b, RELAY_HEADER_BYTES)
  b.fill(0, RELAY_HEADER_BYTES + m.data.length)
  return b
}

/**
 * Throws TunnelError MALFORMED: wrong size, unknown command, length past the end.
 * `data` is a copy, unless `owned` (the caller's own buffer, e.g. a payload just
 * peeled into a fresh buffer, that nothing else writes): then a view of it.
 */
export function decodeRelayMessage (b: Uint8Array, owned = false): RelayMessage {
  if (b.length !== ONION_PAYLOAD_BYTES) throw malformed(`relay message: ${b.length} bytes, expected ${ONION_PAYLOAD_BYTES}`)
  const buf = Buffer.from(b.buffer, b.byteOffset, b.length)
  const command = buf[0]
  if (!KNOWN_COMMANDS.has(command)) throw malformed(`relay message: unknown command ${command}`)
  const length = buf.readUInt16LE(3)
  if (length > RELAY_DATA_MAX) throw malformed(`relay message: length ${length} exceeds ${RELAY_DATA_MAX}`)
  return {
    command: command as RelayCommand,
    streamId: buf.readUInt16LE(1),
    data: owned ? buf.subarray(RELAY_HEADER_BYTES, RELAY_HEADER_BYTES + length) : Buffer.from(buf.subarray(RELAY_HEADER_BYTES, RELAY_HEADER_BYTES + length))
  }
}

/**
 * Whether an encoded relay message is DATA: its data goes straight into a stream, which
 * copies it, so a decoder reading from a reused buffer may hand it over as a view.
 */
export function isData (b: Uint8Array): boolean {
  return b[0] === RelayCommand.data
}

// Names are printable ASCII so they can be logged and never smuggle control bytes.
const PRINTABLE = /^[\x21-\x7e]*$/

function checkName (what: string, name: string, min: number, max: number, fail: (m: string) => TunnelError): void {
  if (name.length < min || name.length > max || !PRINTABLE.test(name)) {
    throw fail(`${what}: name must be ${min}..${max} printable ASCII characters (got ${JSON.stringify(name.slice(0, 80))})`)
  }
}

function readName (r: Reader, what: string, min: number, max: number): string {
  const raw = r.bytes8(max)
  const name = raw.toString('latin1')
  checkName(what, name, min, max, (m) => malformed(m))
  return name
}

// EXTEND ------------------------------------------------------------------

export interface ExtendBody {
  /** The next hop's node id (32). */
  id: Buffer
  /** Its ed25519 public key (32): the ntor handshake is against it. */
  publicKey: Buffer
  endpoint: Endpoint
  /** The client's ntor message for the next hop. */
  handshake: Buffer
}

export function encodeExtend (e: ExtendBody): Buffer {
  if (e.id.length !== 32 || e.publicKey.length !== 32) throw invalid('extend: id and public key must be 32 bytes each')
  if (e.handshake.length > HANDSHAKE_MAX) throw invalid(`extend: handshake of ${e.handshake.length} bytes exceeds ${HANDSHAKE_MAX}`)
  const w = new Writer(128 + e.handshake.length)
  w.bytes(e.id).bytes(e.publicKey)
  try { writeEndpoint(w, e.endpoint) } catch (err) { throw invalid(`extend: ${(err as Error).message}`) }
  w.bytes16(e.handshake)
  return Buffer.from(w.finish())
}

export function decodeExtend (b: Uint8Array): ExtendBody {
  return decodeWith('extend', b, (r) => ({
    id: Buffer.from(r.bytes(32)),
    publicKey: Buffer.from(r.bytes(32)),
    endpoint: readEndpoint(r),
    handshake: Buffer.from(r.bytes16(HANDSHAKE_MAX))
  }))
}

// EXTENDED ----------------------------------------------------------------

export function encodeExtended (reply: Buffer): Buffer {
  if (reply.length > HANDSHAKE_MAX) throw invalid(`extended: reply of ${reply.length} bytes exceeds ${HANDSHAKE_MAX}`)
  return Buffer.from(new Writer(2 + reply.length).bytes16(reply).finish())
}

export function decodeExtended (b: Uint8Array): Buffer {
  return decodeWith('extended', b, (r) => Buffer.from(r.bytes16(HANDSHAKE_MAX)))
}

// BEGIN -------------------------------------------------------------------

export function encodeBegin (service: string): Buffer {
  checkName('begin', service, 1, SERVICE_NAME_MAX, invalid)
  return Buffer.from(new Writer(1 + service.length).bytes8(Buffer.from(service, 'latin1')).finish())
}

export function decodeBegin (b: Uint8Array): string {
  return decodeWith('begin', b, (r) => readName(r, 'begin', 1, SERVICE_NAME_MAX))
}

// END / TRUNCATE / TRUNCATED / DESTROY reason ------------------------------

export function encodeReason (reason: EndReason): Buffer {
  if (!KNOWN_REASONS.has(reason)) throw invalid(`end: unknown reason ${reason}`)
  return Buffer.from([reason])
}

export function decodeReason (b: Uint8Array): EndReason {
  return decodeWith('end reason', b, (r) => {
    const reason = r.u8()
    if (!KNOWN_REASONS.has(reason)) throw malformed(`end reason: unknown reason ${reason}`)
    return reason as EndReason
  })
}

// REQUEST / RESPONSE / NOTIFY ---------------------------------------------

export interface RequestBody {
  /** u32, chosen by the requester; a RESPONSE echoes it (a NOTIFY uses 0 or its own counter). */
  requestId: number
  /**
   * REQUEST/NOTIFY: the handler name. RESPONSE: '' for success, else a short
   * error code (a TunnelErrorCode value) and the payload its UTF-8 message.
   */
  name: string
  payload: Buffer
}

export function encodeRequest (m: RequestBody): Buffer {
  if (!Number.isInteger(m.requestId) || m.requestId < 0 || m.requestId > 0xffffffff) throw invalid(`request: id ${m.requestId} is not a u32`)
  checkName('request', m.name, 0, REQUEST_NAME_MAX, invalid)
  if (m.payload.length > MAX_REQUEST_BYTES) throw invalid(`request: payload of ${m.payload.length} bytes exceeds ${MAX_REQUEST_BYTES}`)
  const w = new Writer(7 + m.name.length + m.payload.length)
  w.u32(m.requestId).bytes8(Buffer.from(m.name, 'latin1')).bytes16(m.payload)
  return Buffer.from(w.finish())
}

export function decodeRequest (b: Uint8Array): RequestBody {
  return decodeWith('request', b, (r) => ({
    requestId: r.u32(),
    name: readName(r, 'request', 0, REQUEST_NAME_MAX),
    payload: Buffer.from(r.bytes16(MAX_REQUEST_BYTES))
  }))
}

// SENDME ------------------------------------------------------------------

export function encodeSendme (cells: number): Buffer {
  if (!Number.isInteger(cells) || cells < 1 || cells > 0xffff) throw invalid(`sendme: ${cells} cells is not 1..65535`)
  const out = Buffer.alloc(2)
  out.writeUInt16LE(cells, 0)
  return out
}

export function decodeSendme (b: Uint8Array): number {
  return decodeWith('sendme', b, (r) => {
    const cells = r.u16()
    if (cells === 0) throw malformed('sendme: acknowledges 0 cells')
    return cells
  })
}
