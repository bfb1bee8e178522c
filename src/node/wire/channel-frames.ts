import { Reader, Writer, WireError } from './codec.js'

/**
 * Channel frames: the plaintext of an encrypted link packet (and the "frames"
 * tail of IK_INIT, IK_RESP and XX_FIN) is a sequence of frames, each
 * type u8 ‖ fields (little-endian):
 *
 *  0x00 PADDING        the rest of the plaintext, all zero bytes
 *  0x01 REQUEST        reqId u32 ‖ fragIndex u16 ‖ fragCount u16 ‖ service string8 ‖ data bytes16
 *  0x02 RESPONSE       reqId u32 ‖ fragIndex u16 ‖ fragCount u16 ‖ data bytes16
 *  0x03 ERROR          reqId u32 ‖ code string8 ‖ text string16
 *  0x04 STREAM_OPEN    channel u32 ‖ service string8
 *  0x05 STREAM_ACCEPT  channel u32
 *  0x06 STREAM_DATA    channel u32 ‖ data bytes16 (an opaque ReliableStream frame)
 *  0x07 STREAM_RESET   channel u32 ‖ code string8 ‖ text string16
 *  0x08 DATAGRAM       service string8 ‖ data bytes16
 *  0x09 PING           id u32
 *  0x0a PONG           id u32
 *  0x0b CLOSE          code string8 ‖ text string16
 *  0x0c PATH_CHALLENGE data[8]  (sent to a peer's new address before the session moves there)
 *  0x0d PATH_RESPONSE  data[8]  (echoes a PATH_CHALLENGE's data)
 *
 * Limits: service names 1..64 bytes, error codes 1..64 bytes, texts ≤ 512
 * bytes, 1 ≤ fragCount ≤ MAX_FRAGMENTS and fragIndex < fragCount. Channel ids
 * carry the opener's role in bit 0 (0 = session initiator), so both sides can
 * allocate without colliding.
 */

export const FrameType = {
  PADDING: 0x00,
  REQUEST: 0x01,
  RESPONSE: 0x02,
  ERROR: 0x03,
  STREAM_OPEN: 0x04,
  STREAM_ACCEPT: 0x05,
  STREAM_DATA: 0x06,
  STREAM_RESET: 0x07,
  DATAGRAM: 0x08,
  PING: 0x09,
  PONG: 0x0a,
  CLOSE: 0x0b,
  PATH_CHALLENGE: 0x0c,
  PATH_RESPONSE: 0x0d
} as const

export const MAX_SERVICE_NAME = 64
export const MAX_CODE = 64
export const MAX_TEXT = 512
export const MAX_FRAGMENTS = 128
export const PATH_DATA_BYTES = 8

export interface PaddingFrame { type: 0x00, length: number }
export interface RequestFrame { type: 0x01, reqId: number, fragIndex: number, fragCount: number, service: string, data: Buffer }
export interface ResponseFrame { type: 0x02, reqId: number, fragIndex: number, fragCount: number, data: Buffer }
export interface ErrorFrame { type: 0x03, reqId: number, code: string, text: string }
export interface StreamOpenFrame { type: 0x04, channel: number, service: string }
export interface StreamAcceptFrame { type: 0x05, channel: number }
export interface StreamDataFrame { type: 0x06, channel: number, data: Buffer }
export interface StreamResetFrame { type: 0x07, channel: number, code: string, text: string }
export interface DatagramFrame { type: 0x08, service: string, data: Buffer }
export interface PingFrame { type: 0x09, id: number }
export interface PongFrame { type: 0x0a, id: number }
export interface CloseFrame { type: 0x0b, code: string, text: string }
export interface PathChallengeFrame { type: 0x0c, data: Buffer }
export interface PathResponseFrame { type: 0x0d, data: Buffer }

export type ChannelFrame = PaddingFrame | RequestFrame | ResponseFrame | ErrorFrame | StreamOpenFrame |
StreamAcceptFrame | StreamDataFrame | StreamResetFrame | DatagramFrame | PingFrame | PongFrame | CloseFrame |
PathChallengeFrame | PathResponseFrame

/** Bytes of a REQUEST frame around its data, for a service name of `serviceBytes`. */
export function requestOverhead (serviceBytes: number): number { return 1 + 4 + 2 + 2 + 1 + serviceBytes + 2 }
export const RESPONSE_OVERHEAD = 1 + 4 + 2 + 2 + 2
export const STREAM_DATA_OVERHEAD = 1 + 4 + 2
export function datagramOverhead (serviceBytes: number): number { return 1 + 1 + serviceBytes + 2 }

export function encodeFrames (frames: readonly ChannelFrame[]): Buffer {
  const w = new Writer(256)
  for (const f of frames) writeFrame(w, f)
  return w.finish()
}

export function encodeFrame (f: ChannelFrame): Buffer {
  const w = new Writer(f.type === FrameType.STREAM_DATA ? f.data.length + STREAM_DATA_OVERHEAD : 64)
  writeFrame(w, f)
  return w.finish()
}

/**
 * The first bytes of a STREAM_DATA frame whose data is `head ‖ tail`, up to
 * the end of `head`: type ‖ channel ‖ length ‖ head. The caller sends the
 * tail right after it (scatter/gather), so a large payload is never copied
 * into a frame buffer; together they are exactly encodeFrame's bytes.
 */
export function encodeStreamDataHead (channel: number, head: Uint8Array, tailLength: number): Buffer {
  const length = head.length + tailLength
  if (length > 0xffff) throw new RangeError('bytes16 too long')
  const out = Buffer.allocUnsafe(STREAM_DATA_OVERHEAD + head.length)
  out[0] = FrameType.STREAM_DATA
  out.writeUInt32LE(channel >>> 0, 1)
  out.writeUInt16LE(length, 5)
  out.set(head, STREAM_DATA_OVERHEAD)
  return out
}

/**
 * Writes the STREAM_DATA frame header (type ‖ channel ‖ length, STREAM_DATA_OVERHEAD
 * bytes) for a frame whose data is `dataLength` bytes into `out` at 0; returns `out`.
 */
export function writeStreamDataHeader (out: Buffer, channel: number, dataLength: number): Buffer {
  if (dataLength > 0xffff) throw new RangeError('bytes16 too long')
  out[0] = FrameType.STREAM_DATA
  out.writeUInt32LE(channel >>> 0, 1)
  out.writeUInt16LE(dataLength, 5)
  return out
}

function writeFrame (w: Writer, f: ChannelFrame): void {
  w.u8(f.type)
  switch (f.type) {
    case FrameType.PADDING:
      if (f.length > 0) w.bytes(Buffer.alloc(f.length - 1))
      break
    case FrameType.REQUEST:
      checkFragments(f.fragIndex, f.fragCount)
      w.u32(f.reqId).u16(f.fragIndex).u16(f.fragCount).bytes8(name(f.service, MAX_SERVICE_NAME)).bytes16(f.data)
      break
    case FrameType.RESPONSE:
      checkFragments(f.fragIndex, f.fragCount)
      w.u32(f.reqId).u16(f.fragIndex).u16(f.fragCount).bytes16(f.data)
      break
    case FrameType.ERROR:
      w.u32(f.reqId).bytes8(name(f.code, MAX_CODE)).bytes16(text(f.text))
      break
    case FrameType.STREAM_OPEN:
      w.u32(f.channel).bytes8(name(f.service, MAX_SERVICE_NAME))
      break
    case FrameType.STREAM_ACCEPT:
      w.u32(f.channel)
      break
    case FrameType.STREAM_DATA:
      w.u32(f.channel).bytes16(f.data)
      break
    case FrameType.STREAM_RESET:
      w.u32(f.channel).bytes8(name(f.code, MAX_CODE)).bytes16(text(f.text))
      break
    case FrameType.DATAGRAM:
      w.bytes8(name(f.service, MAX_SERVICE_NAME)).bytes16(f.data)
      break
    case FrameType.PING:
    case FrameType.PONG:
      w.u32(f.id)
      break
    case FrameType.CLOSE:
      w.bytes8(name(f.code, MAX_CODE)).bytes16(text(f.text))
      break
    case FrameType.PATH_CHALLENGE:
    case FrameType.PATH_RESPONSE:
      if (f.data.length !== PATH_DATA_BYTES) throw new RangeError(`path data must be ${PATH_DATA_BYTES} bytes`)
      w.bytes(f.data)
      break
  }
}

/** Decodes a whole plaintext into frames; throws WireError when malformed. */
export function decodeFrames (b: Uint8Array): ChannelFrame[] {
  // One STREAM_DATA frame filling the plaintext, as nearly every stream packet is: no Reader.
  if (b.length >= STREAM_DATA_OVERHEAD && b[0] === FrameType.STREAM_DATA && STREAM_DATA_OVERHEAD + (b[5] | (b[6] << 8)) === b.length) {
    const channel = (b[1] | (b[2] << 8) | (b[3] << 16) | (b[4] << 24)) >>> 0
    return [{ type: FrameType.STREAM_DATA, channel, data: Buffer.from(b.buffer, b.byteOffset + STREAM_DATA_OVERHEAD, b.length - STREAM_DATA_OVERHEAD) }]
  }
  const r = new Reader(b, 'channel frames')
  const out: ChannelFrame[] = []
  while (r.remaining > 0) {
    const type = r.u8()
    switch (type) {
      case FrameType.PADDING: {
        const pad = r.rest()
        for (let i = 0; i < pad.length; i++) if (pad[i] !== 0) throw new WireError('channel frames: non-zero padding')
        out.push({ type, length: pad.length + 1 })
        break
      }
      case FrameType.REQUEST: {
        const reqId = r.u32(); const fragIndex = r.u16(); const fragCount = r.u16()
        validFragments(fragIndex, fragCount)
        out.push({ type, reqId, fragIndex, fragCount, service: readName(r, MAX_SERVICE_NAME, 'service'), data: r.bytes16() })
        break
      }
      case FrameType.RESPONSE: {
        const reqId = r.u32(); const fragIndex = r.u16(); const fragCount = r.u16()
        validFragments(fragIndex, fragCount)
        out.push({ type, reqId, fragIndex, fragCount, data: r.bytes16() })
        break
      }
      case FrameType.ERROR:
        out.push({ type, reqId: r.u32(), code: readName(r, MAX_CODE, 'code'), text: r.string16(MAX_TEXT) })
        break
      case FrameType.STREAM_OPEN:
        out.push({ type, channel: r.u32(), service: readName(r, MAX_SERVICE_NAME, 'service') })
        break
      case FrameType.STREAM_ACCEPT:
        out.push({ type, channel: r.u32() })
        break
      case FrameType.STREAM_DATA:
        out.push({ type, channel: r.u32(), data: r.bytes16() })
        break
      case FrameType.STREAM_RESET:
        out.push({ type, channel: r.u32(), code: readName(r, MAX_CODE, 'code'), text: r.string16(MAX_TEXT) })
        break
      case FrameType.DATAGRAM:
        out.push({ type, service: readName(r, MAX_SERVICE_NAME, 'service'), data: r.bytes16() })
        break
      case FrameType.PING:
      case FrameType.PONG:
        out.push({ type, id: r.u32() })
        break
      case FrameType.CLOSE:
        out.push({ type, code: readName(r, MAX_CODE, 'code'), text: r.string16(MAX_TEXT) })
        break
      case FrameType.PATH_CHALLENGE:
      case FrameType.PATH_RESPONSE:
        out.push({ type, data: Buffer.from(r.bytes(PATH_DATA_BYTES)) })
        break
      default:
        throw new WireError(`channel frames: unknown frame type 0x${type.toString(16)}`)
    }
  }
  return out
}

function readName (r: Reader, max: number, what: string): string {
  const s = r.string8(max)
  if (s.length === 0) throw new WireError(`channel frames: empty ${what}`)
  return s
}

function validFragments (index: number, count: number): void {
  if (count < 1 || count > MAX_FRAGMENTS || index >= count) {
    throw new WireError(`channel frames: fragment ${index} of ${count} out of range`)
  }
}

function checkFragments (index: number, count: number): void {
  if (count < 1 || count > MAX_FRAGMENTS || index >= count) throw new RangeError(`fragment ${index}/${count} out of range`)
}

function name (s: string, max: number): Buffer {
  const b = Buffer.from(s, 'utf8')
  if (b.length === 0 || b.length > max) throw new RangeError(`name must be 1..${max} bytes: ${JSON.stringify(s)}`)
  return b
}

function text (s: string): Buffer {
  let b = Buffer.from(s, 'utf8')
  if (b.length > MAX_TEXT) {
    let end = MAX_TEXT
    while (end > 0 && (b[end] & 0xc0) === 0x80) end--
    b = b.subarray(0, end)
  }
  return b
}
