import { Reader, Writer, WireError, tryDecode } from '../../wire/codec.js'
import { MAX_SACK_RANGES } from './constants.js'

/*
 * Reliable-stream frames. The link carries each frame as one opaque payload of
 * an encrypted datagram session, which may lose, duplicate and reorder them.
 * All integers little-endian. `seq` numbers packets (not bytes): 0, 1, 2, ...
 * per direction, as u64 on the wire but limited to 2^53 - 1. The FIN takes
 * the sequence number after the last DATA packet.
 *
 *   DATA  0x01 | seq u64 | ts u32 | tx u8 | payload (1.. bytes: the rest)
 *   FIN   0x03 | seq u64 | ts u32 | tx u8
 *   ACK   0x02 | flags u8 | next u64 | window u32 | echo u32 | spurious u32
 *              | count u8 | count × (start u32, length u32)
 *   RST   0x04 | reason u8
 *
 * DATA/FIN: `ts` is the sender's clock in microseconds, mod 2^32, echoed back
 *   for RTT measurement; `tx` counts earlier transmissions of this packet
 *   (0 = first copy, saturating at 255), which lets the receiver tell a
 *   needless retransmission from a network duplicate.
 * ACK: every packet below `next` has arrived. `window` is how many payload
 *   bytes beyond `next` the receiver will buffer. `echo` is the newest `ts`
 *   seen since the previous ACK, valid only when flag ECHO (bit 1) is set
 *   (else 0). Flag PROBE (bit 0) asks the peer to answer with an ACK at once
 *   (zero-window probe, keepalive). `spurious` counts, cumulatively, the
 *   retransmitted copies (tx > 0) that arrived for packets already held.
 *   SACK ranges list other received packets as [next + start, next + start +
 *   length): ascending, disjoint, not touching, start >= 1, length >= 1,
 *   start + length <= 2^32 - 1, at most MAX_SACK_RANGES.
 * RST: the sender aborted the stream; `reason` is an RstReason (unknown
 *   values are accepted and reported as they are).
 *
 * Decoders reject unknown types, unknown flags, bad ranges, empty DATA and
 * trailing bytes with WireError (WIRE_MALFORMED).
 */

export const FrameType = { Data: 0x01, Ack: 0x02, Fin: 0x03, Rst: 0x04 } as const

export const RstReason = { Abort: 0, Protocol: 1, Timeout: 2, SendFailed: 3 } as const

export const ACK_FLAG_PROBE = 0x01
export const ACK_FLAG_ECHO = 0x02
const ACK_FLAGS_KNOWN = ACK_FLAG_PROBE | ACK_FLAG_ECHO

export const DATA_HEADER_BYTES = 1 + 8 + 4 + 1
export const FIN_BYTES = DATA_HEADER_BYTES
export const ACK_HEADER_BYTES = 1 + 1 + 8 + 4 + 4 + 4 + 1
export const SACK_RANGE_BYTES = 8
/** Frames longer than this are refused outright (no link MTU comes close). */
export const MAX_FRAME_BYTES = 65535

export interface DataFrame { type: typeof FrameType.Data, seq: number, ts: number, tx: number, payload: Buffer }
export interface FinFrame { type: typeof FrameType.Fin, seq: number, ts: number, tx: number }
/** A SACK range in absolute sequence numbers, [start, end). */
export interface SackRange { start: number, end: number }
export interface AckFrame {
  type: typeof FrameType.Ack
  probe: boolean
  /** Newest ts seen since the previous ACK; undefined when none. */
  echo?: number
  next: number
  window: number
  spurious: number
  ranges: SackRange[]
}
export interface RstFrame { type: typeof FrameType.Rst, reason: number }
export type StreamFrame = DataFrame | FinFrame | AckFrame | RstFrame

export function encodeData (seq: number, ts: number, tx: number, payload: Uint8Array): Buffer {
  if (payload.length === 0) throw new RangeError('DATA payload must not be empty')
  const w = new Writer(DATA_HEADER_BYTES + payload.length)
  w.u8(FrameType.Data).u64(seq).u32(ts).u8(Math.min(tx, 255)).bytes(payload)
  return w.finish()
}

/** A DATA frame's header alone: the frame is this ‖ payload (sent as two pieces, never joined). */
export function encodeDataHead (seq: number, ts: number, tx: number): Buffer {
  return new Writer(DATA_HEADER_BYTES).u8(FrameType.Data).u64(seq).u32(ts).u8(Math.min(tx, 255)).finish()
}

/**
 * Writes a DATA frame's header (the bytes encodeDataHead returns) into `out` at 0; returns `out`.
 * The sender reuses one buffer for every packet's header (see StreamSender.transmit).
 */
export function writeDataHead (out: Buffer, seq: number, ts: number, tx: number): Buffer {
  if (!Number.isSafeInteger(seq) || seq < 0) throw new RangeError(`u64 out of range: ${seq}`)
  out[0] = FrameType.Data
  out.writeUInt32LE(seq % 0x100000000, 1)
  out.writeUInt32LE(Math.floor(seq / 0x100000000), 5)
  out.writeUInt32LE(ts >>> 0, 9)
  out[13] = Math.min(tx, 255)
  return out
}

export function encodeFin (seq: number, ts: number, tx: number): Buffer {
  return new Writer(FIN_BYTES).u8(FrameType.Fin).u64(seq).u32(ts).u8(Math.min(tx, 255)).finish()
}

export function encodeAck (f: Omit<AckFrame, 'type'>): Buffer {
  if (f.ranges.length > MAX_SACK_RANGES) throw new RangeError('too many SACK ranges')
  const flags = (f.probe ? ACK_FLAG_PROBE : 0) | (f.echo !== undefined ? ACK_FLAG_ECHO : 0)
  const w = new Writer(ACK_HEADER_BYTES + f.ranges.length * SACK_RANGE_BYTES)
  w.u8(FrameType.Ack).u8(flags).u64(f.next).u32(f.window).u32(f.echo ?? 0).u32(f.spurious).u8(f.ranges.length)
  let floor = f.next + 1
  for (const r of f.ranges) {
    if (r.start < floor || r.end <= r.start) throw new RangeError('SACK ranges must ascend, be disjoint and not touch')
    if (r.end - f.next > 0xffffffff) throw new RangeError('SACK range too far beyond next')
    w.u32(r.start - f.next).u32(r.end - r.start)
    floor = r.end + 1
  }
  return w.finish()
}

export function encodeRst (reason: number): Buffer {
  return new Writer(2).u8(FrameType.Rst).u8(reason).finish()
}

export function encodeFrame (f: StreamFrame): Buffer {
  switch (f.type) {
    case FrameType.Data: return encodeData(f.seq, f.ts, f.tx, f.payload)
    case FrameType.Fin: return encodeFin(f.seq, f.ts, f.tx)
    case FrameType.Ack: return encodeAck(f)
    case FrameType.Rst: return encodeRst(f.reason)
  }
}

/** Decodes one frame; throws WireError on anything malformed. */
export function decodeFrame (buf: Uint8Array): StreamFrame {
  if (buf.length > MAX_FRAME_BYTES) throw new WireError(`stream frame: ${buf.length} bytes exceeds ${MAX_FRAME_BYTES}`)
  // DATA with a payload, nearly every frame: the same checks as below, without a Reader.
  if (buf.length > DATA_HEADER_BYTES && buf[0] === FrameType.Data) {
    const hi = u32le(buf, 5)
    if (hi <= 0x1fffff) {
      return {
        type: FrameType.Data,
        seq: hi * 0x100000000 + u32le(buf, 1),
        ts: u32le(buf, 9),
        tx: buf[13],
        payload: Buffer.from(buf.buffer, buf.byteOffset + DATA_HEADER_BYTES, buf.length - DATA_HEADER_BYTES)
      }
    }
  }
  const r = new Reader(buf, 'stream frame')
  const type = r.u8()
  switch (type) {
    case FrameType.Data: {
      const seq = r.u64(); const ts = r.u32(); const tx = r.u8()
      if (r.remaining === 0) throw new WireError('stream frame: empty DATA payload')
      return { type, seq, ts, tx, payload: r.rest() }
    }
    case FrameType.Fin: {
      const seq = r.u64(); const ts = r.u32(); const tx = r.u8()
      r.end()
      return { type, seq, ts, tx }
    }
    case FrameType.Ack: return decodeAckBody(r)
    case FrameType.Rst: {
      const reason = r.u8()
      r.end()
      return { type, reason }
    }
    default: throw new WireError(`stream frame: unknown type 0x${type.toString(16)}`)
  }
}

function decodeAckBody (r: Reader): AckFrame {
  const flags = r.u8()
  if ((flags & ~ACK_FLAGS_KNOWN) !== 0) throw new WireError(`stream frame: unknown ACK flags 0x${flags.toString(16)}`)
  const next = r.u64(); const window = r.u32(); const echo = r.u32(); const spurious = r.u32()
  const hasEcho = (flags & ACK_FLAG_ECHO) !== 0
  if (!hasEcho && echo !== 0) throw new WireError('stream frame: ACK echo set without ECHO flag')
  const count = r.u8()
  if (count > MAX_SACK_RANGES) throw new WireError(`stream frame: ${count} SACK ranges exceeds ${MAX_SACK_RANGES}`)
  if (r.remaining !== count * SACK_RANGE_BYTES) throw new WireError('stream frame: ACK length does not match its range count')
  const ranges: SackRange[] = []
  let floor = 1
  for (let i = 0; i < count; i++) {
    const start = r.u32(); const length = r.u32()
    if (start < floor || length === 0) throw new WireError('stream frame: SACK ranges must ascend, be disjoint and not touch')
    // The range's end must stay within u32 of `next`, as the encoder requires (found by fuzzing).
    if (start + length > 0xffffffff) throw new WireError('stream frame: SACK range ends beyond next + 2^32')
    const end = next + start + length
    if (end > Number.MAX_SAFE_INTEGER) throw new WireError('stream frame: SACK range beyond 2^53')
    ranges.push({ start: next + start, end })
    floor = start + length + 1
  }
  r.end()
  return { type: FrameType.Ack, probe: (flags & ACK_FLAG_PROBE) !== 0, echo: hasEcho ? echo : undefined, next, window, spurious, ranges }
}

function u32le (b: Uint8Array, at: number): number {
  return (b[at] | (b[at + 1] << 8) | (b[at + 2] << 16) | (b[at + 3] << 24)) >>> 0
}

/** Decodes or returns undefined; never throws on malformed bytes. */
export function tryDecodeFrame (buf: Uint8Array): StreamFrame | undefined {
  return tryDecode(decodeFrame, buf)
}
