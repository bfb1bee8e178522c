/**
 * Bytes written by the application and not yet cut into packets: a FIFO of
 * chunks from which `take(n)` slices up to n bytes, copying only when a
 * packet spans chunk boundaries.
 */
export class ByteQueue {
  private chunks: Buffer[] = []
  private head = 0 // index of the first live chunk
  private offset = 0 // bytes already taken from chunks[head]
  private bytes = 0

  get length (): number { return this.bytes }

  push (chunk: Buffer): void {
    if (chunk.length === 0) return
    this.chunks.push(chunk)
    this.bytes += chunk.length
  }

  take (n: number): Buffer {
    n = Math.min(n, this.bytes)
    if (n <= 0) return Buffer.alloc(0)
    const first = this.chunks[this.head]
    if (first.length - this.offset >= n) {
      const out = first.subarray(this.offset, this.offset + n)
      this.advance(n)
      return out
    }
    const out = Buffer.allocUnsafe(n)
    let filled = 0
    while (filled < n) {
      const c = this.chunks[this.head]
      const k = Math.min(n - filled, c.length - this.offset)
      c.copy(out, filled, this.offset, this.offset + k)
      filled += k
      this.advance(k)
    }
    return out
  }

  clear (): void { this.chunks = []; this.head = 0; this.offset = 0; this.bytes = 0 }

  private advance (k: number): void {
    this.bytes -= k
    this.offset += k
    if (this.offset === this.chunks[this.head].length) {
      this.head++
      this.offset = 0
      if (this.head > 64 && this.head * 2 > this.chunks.length) {
        this.chunks = this.chunks.slice(this.head)
        this.head = 0
      }
    }
  }
}
