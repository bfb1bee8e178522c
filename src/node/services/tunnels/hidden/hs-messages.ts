/**
 * The hidden-service requests and notifications carried by circuit
 * REQUEST/RESPONSE/NOTIFY messages (names below), little-endian, each
 * decoder checking every length and rejecting trailing bytes:
 *
 *   hs-establish-intro   service → intro point, on the service's intro circuit
 *     version u8 = 1 ‖ authKey 32 ‖ timestamp u64 (ms) ‖ signature 64
 *     signature: ed25519 by authKey over namespaced(hsEstablishIntro, introPointId ‖ authKey ‖ timestamp)
 *   hs-introduce         client → intro point           authKey 32 ‖ blob (bytes16, see introduce-blob.ts)
 *   hs-introduce2        intro point → service (notify) authKey 32 ‖ blob (bytes16)
 *   hs-establish-rendezvous  client → rendezvous point  cookie 20
 *   hs-rendezvous1       service → rendezvous point     cookie 20 ‖ reply (bytes16, the ntor answer)
 *   hs-rendezvous2       rendezvous point → client (notify)  reply (bytes16)
 *
 * Every request is answered with one status byte (HS_STATUS); a relay never
 * throws back at a circuit, so a malformed request costs one answer.
 */
import { Reader, WireError, Writer, tryDecode } from '../../../wire/codec.js'

export const HS_REQUEST = {
  establishIntro: 'hs-establish-intro',
  introduce: 'hs-introduce',
  establishRendezvous: 'hs-establish-rendezvous',
  rendezvous1: 'hs-rendezvous1'
} as const

export const HS_NOTIFY = {
  introduce2: 'hs-introduce2',
  rendezvous2: 'hs-rendezvous2'
} as const

/** The stream service a client BEGINs past the virtual hop. */
export const HS_STREAM = 'hs'

export const HS_STATUS = {
  ok: 0,
  malformed: 1,
  /** No intro circuit for this auth key, or no rendezvous waiting for this cookie. */
  unknown: 2,
  /** Over this relay's rate or count bound: try another intro point, or later. */
  limit: 3,
  /** A replayed or stale message (same cookie, older timestamp). */
  replay: 4,
  badSignature: 5
} as const
export type HsStatus = typeof HS_STATUS[keyof typeof HS_STATUS]

export const COOKIE_BYTES = 20
export const KEY_BYTES = 32
const SIG_BYTES = 64
const VERSION = 1
/**
 * Bound on an introduction blob and an ntor reply: authKey 32 ‖ bytes16(blob) must fit one relay
 * request (MAX_REQUEST_BYTES, 847); the room past the introduction's own fields carries early data.
 */
export const MAX_BLOB_BYTES = 800

/** The client's first stream past the virtual hop: opened by agreement (adoptStream), never by BEGIN. */
export const HS_EARLY_STREAM_ID = 1

export interface EstablishIntro { authKey: Buffer, timestamp: number, signature: Buffer }
export interface Introduce { authKey: Buffer, blob: Buffer }
export interface Rendezvous1 { cookie: Buffer, reply: Buffer }

export function encodeEstablishIntro (m: EstablishIntro): Buffer {
  return new Writer(110).u8(VERSION).bytes(m.authKey).u64(m.timestamp).bytes(m.signature).finish()
}

export function decodeEstablishIntro (b: Uint8Array): EstablishIntro {
  const r = new Reader(b, 'hs-establish-intro')
  const version = r.u8()
  if (version !== VERSION) throw new WireError(`hs-establish-intro: unknown version ${version}`)
  const m = { authKey: Buffer.from(r.bytes(KEY_BYTES)), timestamp: r.u64(), signature: Buffer.from(r.bytes(SIG_BYTES)) }
  r.end()
  return m
}

export function encodeIntroduce (m: Introduce): Buffer {
  if (m.blob.length > MAX_BLOB_BYTES) throw new RangeError(`an introduction blob is at most ${MAX_BLOB_BYTES} bytes`)
  return new Writer(36 + m.blob.length).bytes(m.authKey).bytes16(m.blob).finish()
}

export function decodeIntroduce (b: Uint8Array): Introduce {
  const r = new Reader(b, 'hs-introduce')
  const m = { authKey: Buffer.from(r.bytes(KEY_BYTES)), blob: Buffer.from(r.bytes16(MAX_BLOB_BYTES)) }
  r.end()
  return m
}

export function decodeCookie (b: Uint8Array): Buffer {
  const r = new Reader(b, 'hs-establish-rendezvous')
  const cookie = Buffer.from(r.bytes(COOKIE_BYTES))
  r.end()
  return cookie
}

export function encodeRendezvous1 (m: Rendezvous1): Buffer {
  return new Writer(24 + m.reply.length).bytes(m.cookie).bytes16(m.reply).finish()
}

export function decodeRendezvous1 (b: Uint8Array): Rendezvous1 {
  const r = new Reader(b, 'hs-rendezvous1')
  const m = { cookie: Buffer.from(r.bytes(COOKIE_BYTES)), reply: Buffer.from(r.bytes16(MAX_BLOB_BYTES)) }
  r.end()
  return m
}

export function encodeReply (reply: Buffer): Buffer {
  return new Writer(2 + reply.length).bytes16(reply).finish()
}

export function decodeReply (b: Uint8Array): Buffer {
  const r = new Reader(b, 'hs-rendezvous2')
  const reply = Buffer.from(r.bytes16(MAX_BLOB_BYTES))
  r.end()
  return reply
}

export function statusAnswer (s: HsStatus): Buffer {
  return Buffer.from([s])
}

/** The status byte of an answer; `malformed` for anything that is not exactly one known byte. */
export function readStatus (b: Uint8Array): HsStatus {
  if (b.length !== 1 || b[0] > HS_STATUS.badSignature) return HS_STATUS.malformed
  return b[0] as HsStatus
}

export { tryDecode }
