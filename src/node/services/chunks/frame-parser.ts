import { WireError } from '../../wire/codec.js'
import { FRAME_HEADER_BYTES } from './messages.js'

/**
 * Cuts a byte stream into length-prefixed frames (u32 LE length, then that
 * many bytes), however the bytes were split in transit. A length of zero or
 * above `maxBody` is a protocol error (WireError): the stream is then
 * unusable and the caller closes it. Bytes are kept as the pieces that came
 * in and joined once per frame, so a 64 KiB frame that arrived in 50 packets
 * is copied once, not 50 times.
 */
export class FrameParser {
  private pieces: Buffer[] = []
  private buffered = 0
  private need = -1 // body length of the frame being read, -1 while reading its header

  constructor (private readonly maxBody: number) {}

  /** Bytes held for an incomplete frame. */
  get pending (): number { return this.buffered }

  /** Feeds bytes; returns the frame bodies completed by them (each a private buffer). */
  push (data: Uint8Array): Buffer[] {
    const out: Buffer[] = []
    if (data.length === 0) return out
    this.pieces.push(Buffer.isBuffer(data) ? data : Buffer.from(data.buffer, data.byteOffset, data.length))
    this.buffered += data.length
    for (;;) {
      if (this.need < 0) {
        if (this.buffered < FRAME_HEADER_BYTES) break
        const n = this.take(FRAME_HEADER_BYTES).readUInt32LE(0)
        if (n < 1 || n > this.maxBody) throw new WireError(`chunks stream: frame of ${n} bytes (1..${this.maxBody})`)
        this.need = n
      }
      if (this.buffered < this.need) break
      out.push(this.take(this.need))
      this.need = -1
    }
    return out
  }

  /** Removes and returns the next n buffered bytes (copied: callers keep them). */
  private take (n: number): Buffer {
    const first = this.pieces[0]
    let out: Buffer
    if (first.length >= n) {
      out = Buffer.from(first.subarray(0, n))
      if (first.length === n) this.pieces.shift()
      else this.pieces[0] = first.subarray(n)
    } else {
      out = Buffer.allocUnsafe(n)
      let off = 0
      while (off < n) {
        const p = this.pieces[0]
        const k = Math.min(p.length, n - off)
        p.copy(out, off, 0, k)
        off += k
        if (k === p.length) this.pieces.shift()
        else this.pieces[0] = p.subarray(k)
      }
    }
    this.buffered -= n
    return out
  }
}
