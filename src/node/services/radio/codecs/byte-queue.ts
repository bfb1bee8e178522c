/**
 * Bytes received but not yet parsed. Reads are by offset from the head;
 * `consume` drops from the head. The backing buffer is compacted on append so
 * a long stream never keeps what it has already parsed.
 */
export class ByteQueue {
  private buf: Buffer = Buffer.alloc(0)
  private head = 0

  get length (): number { return this.buf.length - this.head }

  append (chunk: Buffer): void {
    this.buf = this.head === this.buf.length ? chunk : Buffer.concat([this.buf.subarray(this.head), chunk])
    this.head = 0
  }

  at (i: number): number { return this.buf[this.head + i] }

  /** A view of [from, from + n) relative to the head; shares memory with the queue. */
  view (from: number, n: number): Buffer { return this.buf.subarray(this.head + from, this.head + from + n) }

  /** A copy, so a frame handed on does not pin the whole read chunk. */
  copy (from: number, n: number): Buffer { return Buffer.from(this.view(from, n)) }

  consume (n: number): void { this.head = Math.min(this.buf.length, this.head + n) }

  startsWith (ascii: string, at = 0): boolean {
    if (this.length < at + ascii.length) return false
    for (let i = 0; i < ascii.length; i++) if (this.at(at + i) !== ascii.charCodeAt(i)) return false
    return true
  }
}
