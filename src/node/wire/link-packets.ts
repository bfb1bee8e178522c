import { Reader, Writer, WireError } from './codec.js'

/**
 * Link packets: the outer layer of every Tornet UDP datagram (little-endian).
 *
 * Every packet starts with   version u8 (= 1) ‖ type u8.
 * Version-independent invariant: on the init types (IK_INIT, XX_INIT) bytes 2..5
 * hold the sender's session index, so a node that does not speak the version
 * can still address a REFUSE to the sender.
 *
 *  type  name     fields after version ‖ type
 *  0x01  IK_INIT  senderIndex u32 ‖ ephemeral[32] ‖ cookie bytes8 (0 or 16) ‖ sealed bytes16 ‖ zero padding
 *  0x02  IK_RESP  receiverIndex u32 ‖ senderIndex u32 ‖ ephemeral[32] ‖ sealed bytes16
 *  0x03  XX_INIT  senderIndex u32 ‖ ephemeral[32] ‖ cookie bytes8 (0 or 16) ‖ zero padding
 *  0x04  XX_RESP  receiverIndex u32 ‖ senderIndex u32 ‖ ephemeral[32] ‖ sealed bytes16
 *  0x05  XX_FIN   receiverIndex u32 ‖ sealed bytes16
 *  0x06  COOKIE   receiverIndex u32 ‖ cookie[16]
 *  0x07  REFUSE   receiverIndex u32 ‖ reason u8 ‖ text string8 (≤ 160 bytes UTF-8)
 *  0x08  DIAL_BACK nonce[16]  (outside any session: a peer asked to try reaching this node from
 *                 another port sends it; see services/reach. Nodes before it drop it as unknown.)
 *  0x10  DATA     receiverIndex u32 ‖ epoch u32 ‖ counter u64 ‖ sealed (rest, ≥ 16 = Poly1305 tag)
 *
 * Init packets are padded with zeros to at least MIN_INIT_BYTES so that no reply
 * (all of which are smaller) can amplify a spoofed request. "sealed" is
 * ChaCha20-Poly1305 ciphertext ‖ tag; the AAD of a handshake packet is its
 * bytes from the version up to (not including) the cookie or the sealed field,
 * and the AAD of a DATA packet is its 18-byte header.
 *
 * The sealed plaintexts (see handshake-payloads below):
 *  IK_INIT  publicKey[32] ‖ rankNonce[8] ‖ timestampMs u64 ‖ signature[64] ‖ frames (rest)
 *  IK_RESP  rankNonce[8] ‖ signature[64] ‖ frames (rest)
 *  XX_RESP  publicKey[32] ‖ rankNonce[8] ‖ signature[64]
 *  XX_FIN   publicKey[32] ‖ rankNonce[8] ‖ signature[64] ‖ frames (rest)
 * where "frames" are channel frames (channel-frames.ts).
 */

export const LINK_VERSION = 1
export const MIN_INIT_BYTES = 1200
export const KEY_BYTES = 32
export const TAG_BYTES = 16
export const COOKIE_BYTES = 16
export const DATA_HEADER_BYTES = 18
export const MAX_REFUSE_TEXT = 160
export const DIAL_BACK_NONCE_BYTES = 16

export const PacketType = {
  IK_INIT: 0x01,
  IK_RESP: 0x02,
  XX_INIT: 0x03,
  XX_RESP: 0x04,
  XX_FIN: 0x05,
  COOKIE: 0x06,
  REFUSE: 0x07,
  DIAL_BACK: 0x08,
  DATA: 0x10
} as const
export type PacketTypeCode = typeof PacketType[keyof typeof PacketType]

/** Reasons carried by REFUSE; each maps to a LINK_* error code on the other side. */
export const RefuseReason = {
  RANK_TOO_LOW: 1,
  UNSUPPORTED_VERSION: 2,
  BUSY: 3,
  KEY_MISMATCH: 4,
  BAD_SIGNATURE: 5,
  STALE: 6,
  CLOSED: 7,
  WRONG_PEER: 8
} as const
export type RefuseReasonCode = typeof RefuseReason[keyof typeof RefuseReason]

export interface IkInit { type: 0x01, senderIndex: number, ephemeral: Buffer, cookie: Buffer, sealed: Buffer }
export interface IkResp { type: 0x02, receiverIndex: number, senderIndex: number, ephemeral: Buffer, sealed: Buffer }
export interface XxInit { type: 0x03, senderIndex: number, ephemeral: Buffer, cookie: Buffer }
export interface XxResp { type: 0x04, receiverIndex: number, senderIndex: number, ephemeral: Buffer, sealed: Buffer }
export interface XxFin { type: 0x05, receiverIndex: number, sealed: Buffer }
export interface CookieReply { type: 0x06, receiverIndex: number, cookie: Buffer }
export interface Refuse { type: 0x07, receiverIndex: number, reason: number, text: string }
export interface DialBack { type: 0x08, nonce: Buffer }
export interface DataPacket { type: 0x10, receiverIndex: number, epoch: number, counter: number, sealed: Buffer }

export type LinkPacket = IkInit | IkResp | XxInit | XxResp | XxFin | CookieReply | Refuse | DialBack | DataPacket

/** Error raised for a packet of another protocol version; carries what a REFUSE needs. */
export class UnsupportedVersionError extends WireError {
  constructor (readonly version: number, readonly senderIndex: number | undefined) {
    super(`link packet: unsupported version ${version}`)
  }
}

/** Bytes 0..(end of ephemeral) of an init packet: the AAD of its sealed part. */
export const INIT_AAD_BYTES = 2 + 4 + KEY_BYTES
export const RESP_AAD_BYTES = 2 + 4 + 4 + KEY_BYTES
export const FIN_AAD_BYTES = 2 + 4

/**
 * Encodes a packet. Init packets are zero-padded up to `padTo` bytes (pass the
 * datagram size; the caller guarantees it is ≥ MIN_INIT_BYTES).
 */
export function encodeLinkPacket (p: LinkPacket, padTo = 0): Buffer {
  const w = new Writer(Math.max(64, padTo))
  w.u8(LINK_VERSION).u8(p.type)
  switch (p.type) {
    case PacketType.IK_INIT:
      w.u32(p.senderIndex).bytes(fixed(p.ephemeral, KEY_BYTES)).bytes8(cookie(p.cookie)).bytes16(p.sealed)
      break
    case PacketType.XX_INIT:
      w.u32(p.senderIndex).bytes(fixed(p.ephemeral, KEY_BYTES)).bytes8(cookie(p.cookie))
      break
    case PacketType.IK_RESP:
    case PacketType.XX_RESP:
      w.u32(p.receiverIndex).u32(p.senderIndex).bytes(fixed(p.ephemeral, KEY_BYTES)).bytes16(p.sealed)
      break
    case PacketType.XX_FIN:
      w.u32(p.receiverIndex).bytes16(p.sealed)
      break
    case PacketType.COOKIE:
      w.u32(p.receiverIndex).bytes(fixed(p.cookie, COOKIE_BYTES))
      break
    case PacketType.REFUSE: {
      const text = truncateUtf8(p.text, MAX_REFUSE_TEXT)
      w.u32(p.receiverIndex).u8(p.reason).bytes8(text)
      break
    }
    case PacketType.DIAL_BACK:
      w.bytes(fixed(p.nonce, DIAL_BACK_NONCE_BYTES))
      break
    case PacketType.DATA:
      return encodeDataPacket(p.receiverIndex, p.epoch, p.counter, p.sealed)
  }
  if ((p.type === PacketType.IK_INIT || p.type === PacketType.XX_INIT) && w.length < padTo) {
    w.bytes(Buffer.alloc(padTo - w.length))
  }
  return w.finish()
}

/** Writes the 18-byte DATA header into `out` (which must have room). */
export function writeDataHeader (out: Buffer, receiverIndex: number, epoch: number, counter: number): void {
  out[0] = LINK_VERSION
  out[1] = PacketType.DATA
  out.writeUInt32LE(receiverIndex >>> 0, 2)
  out.writeUInt32LE(epoch >>> 0, 6)
  out.writeUInt32LE(counter % 0x100000000, 10)
  out.writeUInt32LE(Math.floor(counter / 0x100000000), 14)
}

export function encodeDataPacket (receiverIndex: number, epoch: number, counter: number, sealed: Uint8Array): Buffer {
  const out = Buffer.allocUnsafe(DATA_HEADER_BYTES + sealed.length)
  writeDataHeader(out, receiverIndex, epoch, counter)
  out.set(sealed, DATA_HEADER_BYTES)
  return out
}

function u32le (b: Uint8Array, at: number): number {
  return (b[at] | (b[at + 1] << 8) | (b[at + 2] << 16) | (b[at + 3] << 24)) >>> 0
}

/** Decodes one datagram; throws WireError (or UnsupportedVersionError) when malformed. */
export function decodeLinkPacket (b: Uint8Array): LinkPacket {
  // DATA, nearly every datagram: the same fields as the general path below, without a Reader.
  if (b.length >= DATA_HEADER_BYTES + TAG_BYTES && b[0] === LINK_VERSION && b[1] === PacketType.DATA) {
    const hi = u32le(b, 14)
    if (hi <= 0x1fffff) {
      return {
        type: PacketType.DATA,
        receiverIndex: u32le(b, 2),
        epoch: u32le(b, 6),
        counter: hi * 0x100000000 + u32le(b, 10),
        sealed: Buffer.from(b.buffer, b.byteOffset + DATA_HEADER_BYTES, b.length - DATA_HEADER_BYTES)
      }
    }
  }
  const r = new Reader(b, 'link packet')
  const version = r.u8()
  const type = r.u8()
  if (version !== LINK_VERSION) {
    const idx = b.length >= 6 && (type === PacketType.IK_INIT || type === PacketType.XX_INIT) ? r.u32() : undefined
    throw new UnsupportedVersionError(version, idx)
  }
  let p: LinkPacket
  switch (type) {
    case PacketType.IK_INIT: {
      p = { type, senderIndex: r.u32(), ephemeral: r.bytes(KEY_BYTES), cookie: readCookie(r), sealed: sealedField(r) }
      zeroPadding(r)
      if (b.length < MIN_INIT_BYTES) throw new WireError(`link packet: init of ${b.length} bytes is below ${MIN_INIT_BYTES}`)
      return p
    }
    case PacketType.XX_INIT: {
      p = { type, senderIndex: r.u32(), ephemeral: r.bytes(KEY_BYTES), cookie: readCookie(r) }
      zeroPadding(r)
      if (b.length < MIN_INIT_BYTES) throw new WireError(`link packet: init of ${b.length} bytes is below ${MIN_INIT_BYTES}`)
      return p
    }
    case PacketType.IK_RESP:
    case PacketType.XX_RESP:
      p = { type, receiverIndex: r.u32(), senderIndex: r.u32(), ephemeral: r.bytes(KEY_BYTES), sealed: sealedField(r) }
      break
    case PacketType.XX_FIN:
      p = { type, receiverIndex: r.u32(), sealed: sealedField(r) }
      break
    case PacketType.COOKIE:
      p = { type, receiverIndex: r.u32(), cookie: r.bytes(COOKIE_BYTES) }
      break
    case PacketType.REFUSE: {
      const receiverIndex = r.u32()
      const reason = r.u8()
      const text = r.string8(MAX_REFUSE_TEXT)
      p = { type, receiverIndex, reason, text }
      break
    }
    case PacketType.DIAL_BACK:
      p = { type, nonce: r.bytes(DIAL_BACK_NONCE_BYTES) }
      break
    case PacketType.DATA: {
      const receiverIndex = r.u32()
      const epoch = r.u32()
      const counter = r.u64()
      if (r.remaining < TAG_BYTES) throw new WireError('link packet: DATA shorter than its tag')
      return { type, receiverIndex, epoch, counter, sealed: r.rest() }
    }
    default:
      throw new WireError(`link packet: unknown type 0x${type.toString(16)}`)
  }
  r.end()
  return p
}

function readCookie (r: Reader): Buffer {
  const c = r.bytes8(COOKIE_BYTES)
  if (c.length !== 0 && c.length !== COOKIE_BYTES) throw new WireError(`link packet: cookie of ${c.length} bytes`)
  return c
}

function sealedField (r: Reader): Buffer {
  const s = r.bytes16()
  if (s.length < TAG_BYTES) throw new WireError('link packet: sealed field shorter than its tag')
  return s
}

function zeroPadding (r: Reader): void {
  const pad = r.rest()
  for (let i = 0; i < pad.length; i++) {
    if (pad[i] !== 0) throw new WireError('link packet: non-zero padding')
  }
}

function fixed (b: Buffer, n: number): Buffer {
  if (b.length !== n) throw new RangeError(`expected ${n} bytes, got ${b.length}`)
  return b
}

function cookie (b: Buffer): Buffer {
  if (b.length !== 0 && b.length !== COOKIE_BYTES) throw new RangeError(`cookie must be 0 or ${COOKIE_BYTES} bytes`)
  return b
}

/** UTF-8 bytes of `s`, cut at a character boundary to at most `max` bytes. */
export function truncateUtf8 (s: string, max: number): Buffer {
  let b = Buffer.from(s, 'utf8')
  if (b.length <= max) return b
  let end = max
  while (end > 0 && (b[end] & 0xc0) === 0x80) end--
  b = b.subarray(0, end)
  return b
}

// ---- sealed handshake payloads ------------------------------------------------

export const SIGNATURE_BYTES = 64
export const RANK_NONCE_BYTES = 8

export interface IkInitPayload { publicKey: Buffer, rankNonce: Buffer, timestampMs: number, signature: Buffer, frames: Buffer }
export interface IkRespPayload { rankNonce: Buffer, signature: Buffer, frames: Buffer }
export interface XxRespPayload { publicKey: Buffer, rankNonce: Buffer, signature: Buffer }
export interface XxFinPayload { publicKey: Buffer, rankNonce: Buffer, signature: Buffer, frames: Buffer }

export const IK_INIT_PAYLOAD_FIXED = KEY_BYTES + RANK_NONCE_BYTES + 8 + SIGNATURE_BYTES
export const IK_RESP_PAYLOAD_FIXED = RANK_NONCE_BYTES + SIGNATURE_BYTES
export const XX_FIN_PAYLOAD_FIXED = KEY_BYTES + RANK_NONCE_BYTES + SIGNATURE_BYTES

export function encodeIkInitPayload (p: IkInitPayload): Buffer {
  return new Writer(IK_INIT_PAYLOAD_FIXED + p.frames.length)
    .bytes(fixed(p.publicKey, KEY_BYTES)).bytes(fixed(p.rankNonce, RANK_NONCE_BYTES)).u64(p.timestampMs)
    .bytes(fixed(p.signature, SIGNATURE_BYTES)).bytes(p.frames).finish()
}

export function decodeIkInitPayload (b: Uint8Array): IkInitPayload {
  const r = new Reader(b, 'IK_INIT payload')
  return { publicKey: r.bytes(KEY_BYTES), rankNonce: r.bytes(RANK_NONCE_BYTES), timestampMs: r.u64(), signature: r.bytes(SIGNATURE_BYTES), frames: r.rest() }
}

export function encodeIkRespPayload (p: IkRespPayload): Buffer {
  return new Writer(IK_RESP_PAYLOAD_FIXED + p.frames.length)
    .bytes(fixed(p.rankNonce, RANK_NONCE_BYTES)).bytes(fixed(p.signature, SIGNATURE_BYTES)).bytes(p.frames).finish()
}

export function decodeIkRespPayload (b: Uint8Array): IkRespPayload {
  const r = new Reader(b, 'IK_RESP payload')
  return { rankNonce: r.bytes(RANK_NONCE_BYTES), signature: r.bytes(SIGNATURE_BYTES), frames: r.rest() }
}

export function encodeXxRespPayload (p: XxRespPayload): Buffer {
  return new Writer(XX_FIN_PAYLOAD_FIXED)
    .bytes(fixed(p.publicKey, KEY_BYTES)).bytes(fixed(p.rankNonce, RANK_NONCE_BYTES)).bytes(fixed(p.signature, SIGNATURE_BYTES)).finish()
}

export function decodeXxRespPayload (b: Uint8Array): XxRespPayload {
  const r = new Reader(b, 'XX_RESP payload')
  const p = { publicKey: r.bytes(KEY_BYTES), rankNonce: r.bytes(RANK_NONCE_BYTES), signature: r.bytes(SIGNATURE_BYTES) }
  r.end()
  return p
}

export function encodeXxFinPayload (p: XxFinPayload): Buffer {
  return new Writer(XX_FIN_PAYLOAD_FIXED + p.frames.length)
    .bytes(fixed(p.publicKey, KEY_BYTES)).bytes(fixed(p.rankNonce, RANK_NONCE_BYTES)).bytes(fixed(p.signature, SIGNATURE_BYTES))
    .bytes(p.frames).finish()
}

export function decodeXxFinPayload (b: Uint8Array): XxFinPayload {
  const r = new Reader(b, 'XX_FIN payload')
  return { publicKey: r.bytes(KEY_BYTES), rankNonce: r.bytes(RANK_NONCE_BYTES), signature: r.bytes(SIGNATURE_BYTES), frames: r.rest() }
}

/** Fixed sizes, for budgeting how many frame bytes fit into a handshake packet. */
export const IK_INIT_OVERHEAD = INIT_AAD_BYTES + 1 + COOKIE_BYTES + 2 + IK_INIT_PAYLOAD_FIXED + TAG_BYTES
export const IK_RESP_OVERHEAD = RESP_AAD_BYTES + 2 + IK_RESP_PAYLOAD_FIXED + TAG_BYTES
export const XX_FIN_OVERHEAD = FIN_AAD_BYTES + 2 + XX_FIN_PAYLOAD_FIXED + TAG_BYTES
export const DATA_OVERHEAD = DATA_HEADER_BYTES + TAG_BYTES
