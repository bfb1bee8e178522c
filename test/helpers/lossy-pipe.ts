import { createCipheriv, createHash } from 'node:crypto'
import { once } from 'node:events'
import { ReliableStream, type ReliableStreamOptions } from '../../src/node/link/stream/index.js'
import { mulberry32 } from '../../src/node/transport/memory.js'

/**
 * A deterministic fault injector between two frame endpoints, and helpers to
 * drive reliable streams through it. Every decision (drop, duplicate, delay
 * and how long) comes from a seeded PRNG, so a seed reproduces the same fault
 * pattern; delivery itself is real time: undelayed frames in the next
 * setImmediate batch (like datagrams read in one poll), delayed ones by
 * setTimeout, which reorders them behind later frames.
 */

/** mulberry32, the memory transport's seeded PRNG: [0, 1). */
export const seededRandom = mulberry32

export interface FaultOptions {
  seed: number
  /** Probability a frame is dropped. */
  drop?: number
  /** Probability a frame is delivered twice. */
  duplicate?: number
  /** Probability a frame (copy) is held back by a random delay. */
  reorder?: number
  /** Upper bound of that delay, ms (uniform in [1, maxDelayMs]). */
  maxDelayMs?: number
}

export interface LinkCounters { sent: number, delivered: number, dropped: number, duplicated: number, delayed: number, bytes: number }

/** One direction of a faulty link. */
export class LossyLink {
  readonly counters: LinkCounters = { sent: 0, delivered: 0, dropped: 0, duplicated: 0, delayed: 0, bytes: 0 }
  /** While true every frame is silently lost (a dead peer). */
  blackhole = false
  private readonly rand: () => number
  private queue: Buffer[] = []
  private flushing = false
  private closed = false
  private readonly timers = new Set<NodeJS.Timeout>()

  constructor (private readonly faults: FaultOptions, private readonly deliver: (frame: Buffer) => void) {
    this.rand = seededRandom(faults.seed)
  }

  send (frame: Buffer): void {
    this.counters.sent++
    this.counters.bytes += frame.length
    if (this.closed || this.blackhole || this.rand() < (this.faults.drop ?? 0)) { this.counters.dropped++; return }
    const copies = this.rand() < (this.faults.duplicate ?? 0) ? 2 : 1
    if (copies === 2) this.counters.duplicated++
    for (let i = 0; i < copies; i++) {
      if (this.rand() < (this.faults.reorder ?? 0)) {
        this.counters.delayed++
        const delay = 1 + this.rand() * Math.max(0, (this.faults.maxDelayMs ?? 5) - 1)
        const t = setTimeout(() => { this.timers.delete(t); this.hand(frame) }, delay)
        this.timers.add(t)
      } else {
        this.queue.push(frame)
        if (!this.flushing) {
          this.flushing = true
          setImmediate(() => this.flush())
        }
      }
    }
  }

  close (): void {
    this.closed = true
    this.queue = []
    for (const t of this.timers) clearTimeout(t)
    this.timers.clear()
  }

  private flush (): void {
    this.flushing = false
    const batch = this.queue
    this.queue = []
    for (const f of batch) this.hand(f)
  }

  private hand (frame: Buffer): void {
    if (this.closed) return
    this.counters.delivered++
    this.deliver(frame)
  }
}

export interface StreamPair {
  a: ReliableStream
  b: ReliableStream
  /** a → b and b → a. */
  ab: LossyLink
  ba: LossyLink
  close: () => void
}

export function createStreamPair (opts: {
  faults?: Omit<FaultOptions, 'seed'> & { seed?: number }
  a?: Partial<ReliableStreamOptions>
  b?: Partial<ReliableStreamOptions>
} = {}): StreamPair {
  const seed = opts.faults?.seed ?? 1
  let a: ReliableStream | undefined
  let b: ReliableStream | undefined
  const ab = new LossyLink({ ...opts.faults, seed }, (f) => b?.receiveFrame(f))
  const ba = new LossyLink({ ...opts.faults, seed: seed + 0x9e3779b9 }, (f) => a?.receiveFrame(f))
  a = new ReliableStream({ initiator: true, ...opts.a, send: (f) => ab.send(f) })
  b = new ReliableStream({ initiator: false, ...opts.b, send: (f) => ba.send(f) })
  return { a, b, ab, ba, close: () => { ab.close(); ba.close(); a?.destroy(); b?.destroy() } }
}

/**
 * Seeded pseudo-random bytes (the AES-128-CTR keystream of a seed-derived
 * key), produced chunk by chunk so 64 MiB never sits in memory at once.
 */
export function * seededChunks (seed: number, totalBytes: number, chunkBytes = 64 * 1024): Generator<Buffer> {
  const key = createHash('sha256').update(`tornet-stream-test-${seed}`).digest().subarray(0, 16)
  const cipher = createCipheriv('aes-128-ctr', key, Buffer.alloc(16))
  const zeros = Buffer.alloc(chunkBytes)
  let left = totalBytes
  while (left > 0) {
    const n = Math.min(chunkBytes, left)
    left -= n
    yield cipher.update(n === chunkBytes ? zeros : zeros.subarray(0, n))
  }
}

/** SHA-256 of the seeded bytes, computed without keeping them. */
export function seededDigest (seed: number, totalBytes: number): string {
  const h = createHash('sha256')
  for (const c of seededChunks(seed, totalBytes)) h.update(c)
  return h.digest('hex')
}

/** Writes the seeded bytes into `s` with backpressure, then ends it. */
export async function writeSeeded (s: ReliableStream, seed: number, totalBytes: number, signal?: AbortSignal): Promise<void> {
  for (const chunk of seededChunks(seed, totalBytes)) {
    signal?.throwIfAborted()
    if (!s.write(chunk)) await once(s, 'drain', { signal })
  }
  s.end()
}

/** Reads `s` to its end; resolves with the SHA-256 and byte count. */
export async function readDigest (s: ReliableStream, onData?: (bytes: number) => void): Promise<{ digest: string, bytes: number }> {
  const h = createHash('sha256')
  let bytes = 0
  s.on('data', (d: Buffer) => { h.update(d); bytes += d.length; onData?.(bytes) })
  await once(s, 'end')
  return { digest: h.digest('hex'), bytes }
}

/** Sends `totalBytes` of seeded data from a to b; resolves with what b saw and the elapsed ms. */
export async function transfer (pair: StreamPair, seed: number, totalBytes: number): Promise<{ digest: string, bytes: number, ms: number }> {
  // The streams' timers are unref'd (a real socket keeps a node alive); keep
  // this process alive while a transfer waits on one of them.
  const keepAlive = setInterval(() => {}, 1000)
  try {
    const start = performance.now()
    const reading = readDigest(pair.b)
    const writing = writeSeeded(pair.a, seed, totalBytes)
    const [got] = await Promise.all([reading, writing])
    return { ...got, ms: performance.now() - start }
  } finally {
    clearInterval(keepAlive)
  }
}
