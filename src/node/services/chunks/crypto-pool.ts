import { availableParallelism } from 'node:os'
import { Worker } from 'node:worker_threads'
import { CHUNK_KEY_BYTES, CHUNK_MAX_BYTES, ChunkCipherErrorCode, chunkIv, decryptChunk, hasNativeBlowfish } from '../../crypto/chunk-cipher.js'
import { sha256 } from '../../crypto/hash.js'
import { TornetError } from '../../errors.js'
import { CRYPTO_WORKER_SOURCE } from './crypto-worker-source.js'

/**
 * The per-byte work of reading content — Blowfish-CBC decryption (about 200 MB/s natively,
 * the single largest cost of a download), the key check (SHA-256 of the plaintext) and the
 * chunk id check (SHA-256 of the ciphertext) — on worker threads, so that the main thread keeps
 * the network and the streams moving while another core decrypts.
 *
 * Bytes cross to a worker in one of the pool's own scratch buffers: copied in (a memcpy,
 * about 0.1 ms per MiB, cheap next to the cipher), transferred to the worker and transferred
 * back with the answer, then reused. So the caller's buffer is never detached (it may be held
 * by a store or a cache), postMessage never clones megabytes, and no buffer is left for a
 * worker's garbage collector (a SharedArrayBuffer would be: measured, the downloader's RSS
 * doubled; lmdb-js also mis-stores them, and copies into them are slow).
 * Plaintexts come back by transfer.
 *
 * Small inputs (below `inlineBelow`), a process without native Blowfish (the JS fallback is not
 * loaded in workers) and a pool whose worker died run on the calling thread instead: same
 * results, same errors. Workers start on first use, hold the process open only while they
 * have work, and stop after `idleMs` without any.
 */
export interface ChunkCrypto {
  /** SHA-256 of `bytes` (the caller must not modify them until the promise settles). */
  sha256: (bytes: Uint8Array) => Promise<Buffer>
  /**
   * decryptChunk off the calling thread: the plaintext, or CHUNK_KEY_MISMATCH /
   * CHUNK_CIPHER_MALFORMED / CHUNK_BAD_KEY exactly as decryptChunk throws them.
   */
  decrypt: (cipher: Uint8Array, key: Uint8Array) => Promise<Buffer>
}

export interface ChunkCryptoPoolOptions {
  /**
   * Worker threads; default 2 (1 on a single core). 0: everything inline. Two even on two
   * cores: a short job (an id hash) then never waits behind a decryption, and consecutive
   * parts decrypt side by side while the main thread waits on the network (measured on 2
   * cores: 79–86 MB/s against 61–78 with one).
   */
  threads?: number
  /** Inputs shorter than this run inline (a round trip costs more than hashing them). Default 64 KiB. */
  inlineBelow?: number
  /** Workers stop after this long without work. Default 10 s. */
  idleMs?: number
}

interface Job {
  seq: number
  resolve: (v: Buffer) => void
  reject: (e: Error) => void
  /** Runs the job on this thread (the pool failed under it). */
  inline: () => Buffer
}

/** Scratch buffers kept for reuse beyond those in flight. */
const SPARE_SCRATCH = 4
const SCRATCH_BYTES = CHUNK_MAX_BYTES

interface Slot { worker: Worker, jobs: Map<number, Job> }

type Reply = { seq: number, data: ArrayBuffer } & (
  | { ok: true, digest: Uint8Array }
  | { ok: true, plain: ArrayBuffer, offset: number, length: number }
  | { ok: false, code: string, message: string })

const DEFAULT_INLINE_BELOW = 64 * 1024
const DEFAULT_IDLE_MS = 10_000

export class ChunkCryptoPool implements ChunkCrypto {
  private readonly threads: number
  private readonly inlineBelow: number
  private readonly idleMs: number
  private readonly slots: Slot[] = []
  private seq = 0
  private broken = false
  private readonly spare: ArrayBuffer[] = []
  private idleTimer: NodeJS.Timeout | undefined
  /** Jobs run on a worker / inline (tests and benchmarks read these). */
  readonly stats = { offloaded: 0, inline: 0, workerFailures: 0 }

  constructor (opts: ChunkCryptoPoolOptions = {}) {
    this.threads = opts.threads ?? Math.min(2, availableParallelism())
    this.inlineBelow = opts.inlineBelow ?? DEFAULT_INLINE_BELOW
    this.idleMs = opts.idleMs ?? DEFAULT_IDLE_MS
  }

  async sha256 (bytes: Uint8Array): Promise<Buffer> {
    if (!this.offload(bytes)) { this.stats.inline++; return sha256(bytes) }
    const data = this.copyIn(bytes)
    return await this.submit({ op: 'sha256', data, length: bytes.length }, () => sha256(bytes))
  }

  async decrypt (cipher: Uint8Array, key: Uint8Array): Promise<Buffer> {
    // Arguments decryptChunk would refuse are refused the same way, here.
    if (key.length !== CHUNK_KEY_BYTES || cipher.length === 0 || cipher.length % 8 !== 0 || !hasNativeBlowfish() || !this.offload(cipher)) {
      this.stats.inline++
      return decryptChunk(cipher, key)
    }
    const data = this.copyIn(cipher)
    const k = new Uint8Array(key)
    return await this.submit(
      { op: 'decrypt', data, length: cipher.length, key: k, iv: new Uint8Array(chunkIv(k)) },
      () => decryptChunk(cipher, k))
  }

  /** Stops the workers now (they also stop by themselves when idle). In-flight jobs finish inline. */
  async close (): Promise<void> {
    if (this.idleTimer !== undefined) clearTimeout(this.idleTimer)
    this.idleTimer = undefined
    const slots = this.slots.splice(0)
    for (const s of slots) this.rescue(s)
    await Promise.allSettled(slots.map(async s => await s.worker.terminate()))
  }

  private offload (bytes: Uint8Array): boolean {
    return !this.broken && this.threads > 0 && bytes.length >= this.inlineBelow && bytes.length <= SCRATCH_BYTES
  }

  /** `bytes` copied into a scratch buffer of the pool. */
  private copyIn (bytes: Uint8Array): ArrayBuffer {
    const data = this.spare.pop() ?? new ArrayBuffer(SCRATCH_BYTES)
    new Uint8Array(data, 0, bytes.length).set(bytes)
    return data
  }

  private recycle (data: ArrayBuffer | undefined): void {
    if (data instanceof ArrayBuffer && data.byteLength === SCRATCH_BYTES && this.spare.length < SPARE_SCRATCH) this.spare.push(data)
  }

  private async submit (msg: { data: ArrayBuffer } & Record<string, unknown>, inline: () => Buffer): Promise<Buffer> {
    const slot = this.pick()
    if (slot === undefined) { this.stats.inline++; return inline() }
    const seq = ++this.seq
    this.stats.offloaded++
    return await new Promise<Buffer>((resolve, reject) => {
      slot.jobs.set(seq, { seq, resolve, reject, inline })
      if (slot.jobs.size === 1) slot.worker.ref()
      slot.worker.postMessage({ ...msg, seq }, [msg.data])
    })
  }

  /** The least busy worker, starting one if fewer than `threads` run. */
  private pick (): Slot | undefined {
    if (this.idleTimer !== undefined) { clearTimeout(this.idleTimer); this.idleTimer = undefined }
    let best: Slot | undefined
    for (const s of this.slots) if (best === undefined || s.jobs.size < best.jobs.size) best = s
    if ((best === undefined || best.jobs.size > 0) && this.slots.length < this.threads) {
      const started = this.start()
      if (started !== undefined) return started
    }
    return best
  }

  private start (): Slot | undefined {
    let worker: Worker
    try {
      worker = new Worker(CRYPTO_WORKER_SOURCE, { eval: true })
    } catch {
      this.fail()
      return undefined
    }
    const slot: Slot = { worker, jobs: new Map() }
    worker.unref()
    worker.on('message', (r: Reply) => { this.onReply(slot, r) })
    worker.on('error', () => { this.onDeath(slot) })
    worker.on('exit', () => { this.onDeath(slot) })
    this.slots.push(slot)
    return slot
  }

  private onReply (slot: Slot, r: Reply): void {
    const job = slot.jobs.get(r.seq)
    if (job === undefined) return
    this.recycle(r.data)
    slot.jobs.delete(r.seq)
    if (slot.jobs.size === 0) {
      slot.worker.unref()
      this.armIdle()
    }
    if (!r.ok) {
      if (r.code === ChunkCipherErrorCode.KEY_MISMATCH) job.reject(new TornetError(ChunkCipherErrorCode.KEY_MISMATCH, r.message))
      else this.runInline(job) // the worker could not do it (no native cipher there?): do it here
      return
    }
    if ('digest' in r) job.resolve(Buffer.from(r.digest.buffer, r.digest.byteOffset, r.digest.length))
    else job.resolve(Buffer.from(r.plain, r.offset, r.length))
  }

  /** A worker that errs or exits: its jobs run inline, and the pool runs inline from now on. */
  private onDeath (slot: Slot): void {
    const i = this.slots.indexOf(slot)
    if (i < 0) return // closed or already handled
    this.slots.splice(i, 1)
    this.stats.workerFailures++
    this.fail()
    this.rescue(slot)
  }

  private fail (): void {
    this.broken = true
    const slots = this.slots.splice(0)
    for (const s of slots) { this.rescue(s); void s.worker.terminate() }
  }

  private rescue (slot: Slot): void {
    const jobs = [...slot.jobs.values()]
    slot.jobs.clear()
    for (const j of jobs) this.runInline(j)
  }

  private runInline (job: Job): void {
    this.stats.inline++
    try { job.resolve(job.inline()) } catch (err) { job.reject(err as Error) }
  }

  private armIdle (): void {
    if (this.idleTimer !== undefined || this.slots.some(s => s.jobs.size > 0)) return
    this.idleTimer = setTimeout(() => {
      this.idleTimer = undefined
      if (this.slots.some(s => s.jobs.size > 0)) return
      const slots = this.slots.splice(0)
      for (const s of slots) void s.worker.terminate()
    }, this.idleMs)
    this.idleTimer.unref()
  }
}

let shared: ChunkCryptoPool | undefined

/** The process-wide pool the chunk service and readers use by default. */
export function sharedChunkCrypto (): ChunkCryptoPool {
  shared ??= new ChunkCryptoPool()
  return shared
}
