/**
 * A stream to a hidden service handed to node's HTTP client before the
 * service is reached, so that what the client writes first (the request
 * head) can ride inside the introduction (connect()'s `earlyData`, 0-RTT):
 * the answer then needs no round trip of its own over the joined circuits.
 *
 * What is written in the turn the stream is made (node's client writes the
 * head of a GET right away) is the early data; anything written later, until
 * the real stream is there, waits in order behind it (at most
 * MAX_PENDING_BYTES before the writer is held back). A failed connect destroys
 * this stream with the connect's error, so the caller can tell it apart.
 */
import { Duplex } from 'node:stream'

export const MAX_PENDING_BYTES = 64 * 1024

export class EarlyStream extends Duplex {
  private real?: Duplex
  private pending: Buffer[] = []
  private pendingBytes = 0
  /** Write callbacks held while pendingBytes is over the bound. */
  private held: Array<() => void> = []
  private ended = false

  /** `open` is called at once (its deadline starts now); `early` resolves a turn later with what was written by then. */
  constructor (open: (early: Promise<Buffer>) => Promise<Duplex>, onError: (err: Error) => void) {
    super()
    const early = new Promise<Buffer>(resolve => {
      setImmediate(() => {
        resolve(Buffer.concat(this.pending))
        this.pending = []
        this.pendingBytes = 0
        for (const cb of this.held.splice(0)) cb()
      })
    })
    open(early).then((real) => { this.attach(real) }, (err: Error) => {
      onError(err)
      this.destroy(err)
    })
  }

  private attach (real: Duplex): void {
    if (this.destroyed) { real.destroy(); return }
    this.real = real
    real.on('data', (d: Buffer) => { if (!this.push(d)) real.pause() })
    real.on('end', () => { this.push(null) })
    real.on('error', (err) => { this.destroy(err) })
    real.on('close', () => { if (!this.destroyed) this.destroy() })
    for (const b of this.pending) real.write(b)
    this.pending = []
    this.pendingBytes = 0
    for (const cb of this.held.splice(0)) cb()
    if (this.ended) real.end()
  }

  override _write (chunk: Buffer, _enc: BufferEncoding, cb: (err?: Error | null) => void): void {
    if (this.real !== undefined) { this.real.write(chunk, (err) => { cb(err) }); return }
    this.pending.push(chunk)
    this.pendingBytes += chunk.length
    if (this.pendingBytes > MAX_PENDING_BYTES) this.held.push(() => { cb() })
    else cb()
  }

  override _final (cb: (err?: Error | null) => void): void {
    if (this.real !== undefined) this.real.end(() => { cb() })
    else { this.ended = true; cb() }
  }

  override _read (): void { this.real?.resume() }

  override _destroy (err: Error | null, cb: (err?: Error | null) => void): void {
    this.real?.destroy(err ?? undefined)
    for (const h of this.held.splice(0)) h()
    cb(err)
  }
}
