/**
 * One Ogg page (RFC 3533), little-endian:
 *
 *   "OggS" · version u8 (0) · flags u8 (1 continued, 2 first, 4 last) · granule i64 ·
 *   serial u32 · sequence u32 · CRC u32 · segments u8 · lacing values u8 × segments · body
 *
 * A packet is the concatenation of lacing values up to and including the first one < 255.
 */
import { oggPageCrc } from './ogg-crc.js'

export const OGG_HEADER_BYTES = 27
export const FLAG_CONTINUED = 1
export const FLAG_FIRST = 2

export interface OggPage {
  /** The whole page, header included. */
  bytes: Buffer
  flags: number
  /** -1 when no packet ends on this page. */
  granule: number
  serial: number
  /** Packet pieces of the body, in order; `ends[i]` tells whether piece i completes a packet. */
  pieces: Buffer[]
  ends: boolean[]
}

export type PageRead =
  | { status: 'page', page: OggPage }
  | { status: 'need', bytes: number }
  | { status: 'bad', why: string }

/** Reads the page at the start of `b` (which begins with "OggS"). */
export function readOggPage (b: Buffer): PageRead {
  if (b.length < OGG_HEADER_BYTES) return { status: 'need', bytes: OGG_HEADER_BYTES }
  if (b[4] !== 0) return { status: 'bad', why: `unknown Ogg version ${b[4]}` }
  const segments = b[26]
  const headerBytes = OGG_HEADER_BYTES + segments
  if (b.length < headerBytes) return { status: 'need', bytes: headerBytes }
  let bodyBytes = 0
  for (let i = 0; i < segments; i++) bodyBytes += b[OGG_HEADER_BYTES + i]
  const total = headerBytes + bodyBytes
  if (b.length < total) return { status: 'need', bytes: total }
  const bytes = Buffer.from(b.subarray(0, total))
  if (oggPageCrc(bytes) !== bytes.readUInt32LE(22)) return { status: 'bad', why: 'Ogg page checksum mismatch' }
  const pieces: Buffer[] = []
  const ends: boolean[] = []
  let p = headerBytes
  let start = p
  for (let i = 0; i < segments; i++) {
    const lace = bytes[OGG_HEADER_BYTES + i]
    p += lace
    if (lace < 255) { pieces.push(bytes.subarray(start, p)); ends.push(true); start = p }
  }
  if (start < p) { pieces.push(bytes.subarray(start, p)); ends.push(false) }
  const lo = bytes.readUInt32LE(6)
  const hi = bytes.readInt32LE(10)
  return {
    status: 'page',
    page: { bytes, flags: bytes[5], granule: hi === -1 && lo === 0xffffffff ? -1 : hi * 0x100000000 + lo, serial: bytes.readUInt32LE(14), pieces, ends }
  }
}
