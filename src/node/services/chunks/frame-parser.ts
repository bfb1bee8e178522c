import { WireError } from '../../wire/codec.js'
import { FRAME_HEADER_BYTES } from './messages.js'

/**
 * Cuts a byte stream into length-prefixed frames (u32 LE length, then that
 * many bytes), however the bytes were split in transit. A length of zero or
 * above `maxBody` is a protocol error (WireError): the stream is then
 * unusable and the caller closes it.
 *
 * Two ways out: `push` returns each body as one private buffer (joined, a
 * copy); `pushPieces` returns each body as the pieces it arrived in (views
 * of the buffers pushed, no copy), for a caller that copies the bytes once
 * to where they belong anyway (the chunk downloader). Pushed buffers must
 * not be modified afterwards.
 */
export interface FramePieces {
  /** The body's bytes in order; their lengths add up to `length`. */
  pieces: Buffer[]
  length: number
}

export class FrameParser {
  private pieces: Buffer[] = []
  private buffered = 0
  private need = -1 // body length of the frame being read, -1 while reading its header

  constructor (private readonly maxBody: number) {}

  /** Bytes held for an incomplete frame. */
  get pending (): number { return this.buffered }

  /** Feeds bytes; returns the frame bodies completed by them (each a private buffer). */
  push (data: Uint8Array): Buffer[] {
    return this.pushPieces(data).map(f => f.pieces.length === 1 ? Buffer.from(f.pieces[0]) : Buffer.concat(f.pieces, f.length))
  }

  /** Feeds bytes; returns the frame bodies completed by them, as pieces (no copy). */
  pushPieces (data: Uint8Array): FramePieces[] {
    const out: FramePieces[] = []
    if (data.length === 0) return out
    this.pieces.push(Buffer.isBuffer(data) ? data : Buffer.from(data.buffer, data.byteOffset, data.length))
    this.buffered += data.length
    for (;;) {
      if (this.need < 0) {
        if (this.buffered < FRAME_HEADER_BYTES) break
        const n = readU32(this.take(FRAME_HEADER_BYTES))
        if (n < 1 || n > this.maxBody) throw new WireError(`chunks stream: frame of ${n} bytes (1..${this.maxBody})`)
        this.need = n
      }
      if (this.buffered < this.need) break
      out.push({ pieces: this.take(this.need), length: this.need })
      this.need = -1
    }
    return out
  }

  /** Removes the next n buffered bytes and returns them as views (n ≤ buffered). */
  private take (n: number): Buffer[] {
    const out: Buffer[] = []
    let left = n
    while (left > 0) {
      const p = this.pieces[0]
      if (p.length <= left) {
        out.push(p)
        this.pieces.shift()
        left -= p.length
      } else {
        out.push(p.subarray(0, left))
        this.pieces[0] = p.subarray(left)
        left = 0
      }
    }
    this.buffered -= n
    return out
  }
}

function readU32 (pieces: Buffer[]): number {
  if (pieces.length === 1) return pieces[0].readUInt32LE(0)
  return Buffer.concat(pieces, FRAME_HEADER_BYTES).readUInt32LE(0)
}
