import { TornetError } from '../errors.js'

/**
 * Bounds-checked little-endian readers and writers shared by every protocol
 * codec. A Reader throws WireError (code WIRE_MALFORMED) on any overrun, and
 * `end()` rejects trailing bytes; codecs catch it at the edge and drop or
 * refuse the message. Nothing here ever reads past the buffer.
 */
export class WireError extends TornetError {
  constructor (message: string) { super('WIRE_MALFORMED', message) }
}

export class Reader {
  private off = 0
  constructor (readonly buf: Uint8Array, readonly what = 'message') {}

  get offset (): number { return this.off }
  get remaining (): number { return this.buf.length - this.off }

  private need (n: number): void {
    if (n < 0 || this.off + n > this.buf.length) {
      throw new WireError(`${this.what}: truncated (need ${n} bytes at offset ${this.off}, have ${this.remaining})`)
    }
  }

  u8 (): number { this.need(1); return this.buf[this.off++] }
  u16 (): number { this.need(2); const v = this.buf[this.off] | (this.buf[this.off + 1] << 8); this.off += 2; return v }
  u32 (): number {
    this.need(4)
    const b = this.buf; const o = this.off
    this.off += 4
    return (b[o] | (b[o + 1] << 8) | (b[o + 2] << 16)) + b[o + 3] * 0x1000000
  }

  /** Unsigned 64-bit as a JS number; rejects values above 2^53 - 1. */
  u64 (): number {
    const lo = this.u32(); const hi = this.u32()
    if (hi > 0x1fffff) throw new WireError(`${this.what}: 64-bit value too large at offset ${this.off - 8}`)
    return hi * 0x100000000 + lo
  }

  bytes (n: number): Buffer {
    this.need(n)
    const out = Buffer.from(this.buf.buffer, this.buf.byteOffset + this.off, n)
    this.off += n
    return out
  }

  /** u8 length prefix, at most `max` bytes. */
  bytes8 (max = 255): Buffer { const n = this.u8(); this.check(n, max); return this.bytes(n) }
  /** u16 length prefix, at most `max` bytes. */
  bytes16 (max = 0xffff): Buffer { const n = this.u16(); this.check(n, max); return this.bytes(n) }
  /** u32 length prefix, at most `max` bytes. */
  bytes32 (max: number): Buffer { const n = this.u32(); this.check(n, max); return this.bytes(n) }

  string8 (max = 255): string { return this.utf8(this.bytes8(max)) }
  string16 (max = 0xffff): string { return this.utf8(this.bytes16(max)) }

  rest (): Buffer { return this.bytes(this.remaining) }

  /** Rejects trailing bytes. */
  end (): void {
    if (this.off !== this.buf.length) throw new WireError(`${this.what}: ${this.remaining} trailing bytes`)
  }

  private check (n: number, max: number): void {
    if (n > max) throw new WireError(`${this.what}: field of ${n} bytes exceeds limit ${max}`)
  }

  private utf8 (b: Buffer): string {
    const s = b.toString('utf8')
    if (!Buffer.from(s, 'utf8').equals(b)) throw new WireError(`${this.what}: invalid UTF-8`)
    return s
  }
}

export class Writer {
  private buf: Buffer
  private off = 0
  constructor (initial = 256) { this.buf = Buffer.allocUnsafe(initial) }

  private ensure (n: number): void {
    if (this.off + n <= this.buf.length) return
    const next = Buffer.allocUnsafe(Math.max(this.buf.length * 2, this.off + n))
    this.buf.copy(next, 0, 0, this.off)
    this.buf = next
  }

  u8 (v: number): this { this.ensure(1); this.buf[this.off++] = v & 0xff; return this }
  u16 (v: number): this { this.ensure(2); this.buf.writeUInt16LE(v, this.off); this.off += 2; return this }
  u32 (v: number): this { this.ensure(4); this.buf.writeUInt32LE(v >>> 0, this.off); this.off += 4; return this }
  u64 (v: number): this {
    if (!Number.isSafeInteger(v) || v < 0) throw new RangeError(`u64 out of range: ${v}`)
    this.u32(v % 0x100000000); return this.u32(Math.floor(v / 0x100000000))
  }

  bytes (b: Uint8Array): this { this.ensure(b.length); this.buf.set(b, this.off); this.off += b.length; return this }
  bytes8 (b: Uint8Array): this { if (b.length > 255) throw new RangeError('bytes8 too long'); return this.u8(b.length).bytes(b) }
  bytes16 (b: Uint8Array): this { if (b.length > 0xffff) throw new RangeError('bytes16 too long'); return this.u16(b.length).bytes(b) }
  bytes32 (b: Uint8Array): this { return this.u32(b.length).bytes(b) }
  string8 (s: string): this { return this.bytes8(Buffer.from(s, 'utf8')) }
  string16 (s: string): this { return this.bytes16(Buffer.from(s, 'utf8')) }

  get length (): number { return this.off }
  finish (): Buffer { return this.buf.subarray(0, this.off) }
}

/** Runs a decoder; returns undefined instead of throwing on malformed input. */
export function tryDecode<T> (decode: (b: Uint8Array) => T, b: Uint8Array): T | undefined {
  try { return decode(b) } catch (err) {
    if (err instanceof WireError) return undefined
    throw err
  }
}
