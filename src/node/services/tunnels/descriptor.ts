import { randomBytes } from 'node:crypto'
import { hkdf, open, seal } from '../../link/link-crypto.js'
import { readEndpoint, writeEndpoint } from '../../store/endpoint-codec.js'
import type { Endpoint } from '../../types.js'
import { Reader, WireError, Writer } from '../../wire/codec.js'
import { periodBytes } from './blinding.js'
import { TunnelError, TunnelErrorCode } from './errors.js'
import type { RandomBytes } from './fill-bytes.js'

/**
 * A hidden service's descriptor: what a client needs to reach it (intro
 * points), stored in kv under the day's blinded key (blinding.ts) and signed
 * there by the blinded signer — the kv record's signature is what makes it
 * authentic. The bytes themselves are encrypted with a key only those who
 * know the service key can derive, so a kv replica learns nothing:
 *
 *   u8  version (1) ‖ salt 16 ‖ ChaCha20-Poly1305(K, nonce 0, AAD = "tornet hs descriptor v1" ‖ period u64 LE)
 *   K = HKDF-SHA256(A ‖ period u64 LE, salt, "tornet hs descriptor v1", 32)    (a fresh salt per encoding: no nonce reuse)
 *
 * Plaintext (little-endian, then zero padding to a multiple of PAD_TO, so the
 * size hides little about the number of intro points):
 *   service public key 32 ‖ u64 expires (ms) ‖ u8 powBits ‖ u8 count (1..MAX_INTRO_POINTS)
 *   count × (id 32 ‖ ed25519 public key 32 ‖ endpoint (store/endpoint-codec) ‖ auth key 32)
 */

export interface IntroPoint {
  /** The intro relay's node id and ed25519 key (a client builds a circuit ending there). */
  id: Buffer
  publicKey: Buffer
  endpoint: Endpoint
  /** The per-intro key the service listens under (32 bytes, ed25519 or X25519). */
  authKey: Buffer
}

export interface HiddenDescriptor {
  servicePublicKey: Buffer
  introPoints: IntroPoint[]
  /** ms since epoch; a client refuses it after this. */
  expires: number
  /** Leading zero bits a client's introduction must prove (0 = none; raised under attack). */
  powBits: number
}

/** Fits one kv value (1024) with room to spare. */
export const DESCRIPTOR_MAX_BYTES = 1000
export const MAX_INTRO_POINTS = 6
export const MAX_POW_BITS = 32
/** A descriptor claiming to live longer than this is not one we made: refused. */
export const DESCRIPTOR_MAX_LIFETIME_MS = 3 * 86_400_000

const VERSION = 1
const SALT_BYTES = 16
const PAD_TO = 128
const DOMAIN = 'tornet hs descriptor v1'
const MIN_BYTES = 1 + SALT_BYTES + 16

function keyFor (servicePublicKey: Buffer, period: Buffer, salt: Buffer): Buffer {
  return hkdf(Buffer.concat([servicePublicKey, period]), salt, DOMAIN, 32)
}

function invalid (message: string): TunnelError {
  return new TunnelError(TunnelErrorCode.INVALID_ARGUMENT, `descriptor: ${message}`)
}

function malformed (message: string, cause?: unknown): TunnelError {
  return new TunnelError(TunnelErrorCode.MALFORMED, `descriptor: ${message}`, cause === undefined ? undefined : { cause })
}

export function encodeDescriptor (d: HiddenDescriptor, period: number, random: RandomBytes = randomBytes): Buffer {
  if (d.servicePublicKey.length !== 32) throw invalid('service public key must be 32 bytes')
  if (d.introPoints.length < 1 || d.introPoints.length > MAX_INTRO_POINTS) throw invalid(`1..${MAX_INTRO_POINTS} intro points, got ${d.introPoints.length}`)
  if (!Number.isSafeInteger(d.expires) || d.expires < 0) throw invalid(`expires ${d.expires} is not a time in ms`)
  if (!Number.isInteger(d.powBits) || d.powBits < 0 || d.powBits > MAX_POW_BITS) throw invalid(`powBits must be 0..${MAX_POW_BITS}`)
  const p = periodBytes(period)
  const w = new Writer(512)
  w.bytes(d.servicePublicKey).u64(d.expires).u8(d.powBits).u8(d.introPoints.length)
  for (const ip of d.introPoints) {
    if (ip.id.length !== 32 || ip.publicKey.length !== 32 || ip.authKey.length !== 32) throw invalid('intro point id, public key and auth key must be 32 bytes each')
    w.bytes(ip.id).bytes(ip.publicKey)
    try { writeEndpoint(w, ip.endpoint) } catch (err) { throw invalid(`intro point endpoint: ${(err as Error).message}`) }
    w.bytes(ip.authKey)
  }
  const body = w.finish()
  const plain = Buffer.alloc(Math.ceil(body.length / PAD_TO) * PAD_TO)
  body.copy(plain)
  const salt = random(SALT_BYTES)
  const sealed = seal(keyFor(d.servicePublicKey, p, salt), 0, 0, Buffer.concat([Buffer.from(DOMAIN), p]), plain)
  const out = Buffer.concat([Buffer.from([VERSION]), salt, sealed])
  if (out.length > DESCRIPTOR_MAX_BYTES) throw invalid(`${out.length} bytes exceed ${DESCRIPTOR_MAX_BYTES}; use fewer intro points`)
  return out
}

/**
 * Throws MALFORMED (not a descriptor, oversized, bad fields) or HS_NOT_FOUND
 * (does not open with this service key and period, or expired at `nowMs`).
 */
export function decodeDescriptor (bytes: Uint8Array, servicePublicKey: Buffer, period: number, nowMs = Date.now()): HiddenDescriptor {
  if (bytes.length > DESCRIPTOR_MAX_BYTES) throw malformed(`${bytes.length} bytes exceed ${DESCRIPTOR_MAX_BYTES}`)
  if (bytes.length < MIN_BYTES) throw malformed(`${bytes.length} bytes is too short`)
  if (bytes[0] !== VERSION) throw malformed(`unknown version ${bytes[0]}`)
  const p = periodBytes(period)
  const buf = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.length)
  const salt = buf.subarray(1, 1 + SALT_BYTES)
  const plain = open(keyFor(servicePublicKey, p, salt), 0, 0, Buffer.concat([Buffer.from(DOMAIN), p]), buf.subarray(1 + SALT_BYTES))
  if (plain === undefined) {
    throw new TunnelError(TunnelErrorCode.HS_NOT_FOUND, 'descriptor: does not open with this service key and day; the service may not have published for today yet')
  }
  let d: HiddenDescriptor
  try {
    const r = new Reader(plain, 'descriptor')
    const key = Buffer.from(r.bytes(32))
    const expires = r.u64()
    const powBits = r.u8()
    const count = r.u8()
    if (powBits > MAX_POW_BITS) throw malformed(`powBits ${powBits} exceeds ${MAX_POW_BITS}`)
    if (count < 1 || count > MAX_INTRO_POINTS) throw malformed(`${count} intro points, expected 1..${MAX_INTRO_POINTS}`)
    const introPoints: IntroPoint[] = []
    for (let i = 0; i < count; i++) {
      introPoints.push({ id: Buffer.from(r.bytes(32)), publicKey: Buffer.from(r.bytes(32)), endpoint: readEndpoint(r), authKey: Buffer.from(r.bytes(32)) })
    }
    const rest = r.rest()
    if (rest.length >= PAD_TO || rest.some(b => b !== 0)) throw malformed('bad padding')
    d = { servicePublicKey: key, introPoints, expires, powBits }
  } catch (err) {
    if (err instanceof WireError) throw malformed(err.message, err)
    throw err
  }
  if (!d.servicePublicKey.equals(servicePublicKey)) throw malformed('names another service key')
  if (d.expires <= nowMs) throw new TunnelError(TunnelErrorCode.HS_NOT_FOUND, 'descriptor: expired; the service has not republished — try again later')
  if (d.expires > nowMs + DESCRIPTOR_MAX_LIFETIME_MS) throw malformed('expiry too far in the future')
  return d
}
