import { availableParallelism } from 'node:os'
import { setFlagsFromString } from 'node:v8'
import { Worker } from 'node:worker_threads'
import { CHUNK_KEY_BYTES, CHUNK_MAX_BYTES, ChunkCipherErrorCode, chunkIv, decryptChunk, hasNativeBlowfish } from '../../crypto/chunk-cipher.js'
import { sha256 } from '../../crypto/hash.js'
import { TornetError, isTornetError } from '../../errors.js'
import { ChunkErrorCode } from './errors.js'
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
 * Plaintexts come back in scratch buffers too (the worker writes them there): a reader that is
 * done with one hands it back with `release()`, so streaming a file recycles a handful of
 * megabyte buffers instead of leaving one per chunk for V8 to collect (it lets ~64 MiB of them
 * pile up first). A plaintext nobody releases is ordinary garbage.
 *
 * A download can avoid even that copy: it assembles the chunk in a buffer from `scratch()`,
 * which `openChunk` then transfers as it is (the caller's view is detached until the answer
 * brings the bytes back), and hands back with `release()` once nothing refers to it.
 *
 * Small inputs (below `inlineBelow`), a process without native Blowfish (the JS fallback is not
 * loaded in workers) and a pool whose worker died run on the calling thread instead: same
 * results, same errors. Workers start on first use, hold the process open only while they
 * have work, and stop after `idleMs` without any.
 *
 * Whoever builds a node creates its pool and closes it when the node stops (there is no
 * process-wide default): a closed pool starts no workers again, and runs late jobs inline.
 */
export interface ChunkCrypto {
  /** SHA-256 of `bytes` (the caller must not modify them until the promise settles). */
  sha256: (bytes: Uint8Array) => Promise<Buffer>
  /**
   * decryptChunk off the calling thread: the plaintext, or CHUNK_KEY_MISMATCH /
   * CHUNK_CIPHER_MALFORMED / CHUNK_BAD_KEY exactly as decryptChunk throws them.
   */
  decrypt: (cipher: Uint8Array, key: Uint8Array) => Promise<Buffer>
  /**
   * A downloaded chunk in one job: SHA-256(cipher) against `id`, then decryption without the
   * key check (the id pins the ciphertext; see DecryptOptions.checkKey). `cipher` comes back
   * (the same bytes; a new view when a scratch buffer was transferred): 'id-mismatch' means
   * the bytes are not the chunk, 'bad-key' that they are, but do not decrypt under `key`.
   */
  openChunk: (cipher: Buffer, id: Uint8Array, key: Uint8Array) => Promise<OpenedChunk>
  /** A buffer of `length` bytes to assemble a chunk in (pooled when it can go to a worker as it is). */
  scratch: (length: number) => Buffer
  /**
   * Gives back a `scratch` buffer, the cipher openChunk returned in its place, or a plaintext
   * that decrypt or openChunk returned (the whole Buffer, not a slice): nothing may use its bytes
   * after this. Buffers that are not the pool's are ignored.
   */
  release: (bytes: Buffer) => void
}

export type OpenedChunk =
  | { ok: true, cipher: Buffer, plain: Buffer }
  | { ok: false, cipher: Buffer, reason: 'id-mismatch' | 'bad-key' }

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
  /** Takes the worker's answer. */
  settle: (r: Reply) => void
  /** Runs the job on this thread instead (the pool failed under it). */
  inline: () => void
}

/**
 * Scratch buffers kept for reuse beyond those in flight (each 1 MiB + 64 B): a download has up
 * to 5 parts in flight (content/blob-access.ts DEFAULT_READ_AHEAD), each with a ciphertext and
 * then a plaintext buffer; fewer spares would drop some each round and allocate them again.
 */
const SPARE_SCRATCH = 8
const SCRATCH_BYTES = CHUNK_MAX_BYTES

interface Slot { worker: Worker, jobs: Map<number, Job> }

type Reply = { seq: number, data: ArrayBuffer } & (
  | { ok: true, digest: Uint8Array }
  | { ok: true, plain: ArrayBuffer, length: number }
  | { ok: false, out?: ArrayBuffer, code: string, message: string })

const ID_MISMATCH = 'CHUNK_ID_MISMATCH'

const DEFAULT_INLINE_BELOW = 64 * 1024
const DEFAULT_IDLE_MS = 10_000

/** The worker threads a pool uses unless told otherwise (benchmarks size their ceilings by it). */
export function defaultCryptoThreads (): number {
  return Math.min(2, availableParallelism())
}

export class ChunkCryptoPool implements ChunkCrypto {
  private readonly threads: number
  private readonly inlineBelow: number
  private readonly idleMs: number
  private readonly slots: Slot[] = []
  private seq = 0
  private broken = false
  private closed = false
  private readonly spare: ArrayBuffer[] = []
  /** Scratch buffers of this pool (ArrayBuffers change identity with every transfer). */
  private readonly owned = new WeakSet<ArrayBuffer>()
  private idleTimer: NodeJS.Timeout | undefined
  /** Jobs run on a worker / inline, scratch buffers created (tests and benchmarks read these). */
  readonly stats = { offloaded: 0, inline: 0, workerFailures: 0, buffersAllocated: 0 }

  constructor (opts: ChunkCryptoPoolOptions = {}) {
    this.threads = opts.threads ?? defaultCryptoThreads()
    this.inlineBelow = opts.inlineBelow ?? DEFAULT_INLINE_BELOW
    this.idleMs = opts.idleMs ?? DEFAULT_IDLE_MS
  }

  async sha256 (bytes: Uint8Array): Promise<Buffer> {
    if (!this.offload(bytes)) { this.stats.inline++; return sha256(bytes) }
    const data = this.copyIn(bytes)
    return await new Promise<Buffer>((resolve, reject) => {
      const inline = (): void => { this.runInline(() => { resolve(sha256(bytes)) }, reject) }
      this.submit({ op: 'sha256', data, length: bytes.length }, {
        settle: (r) => {
          this.recycle(r.data)
          if (r.ok && 'digest' in r) resolve(Buffer.from(r.digest.buffer, r.digest.byteOffset, r.digest.length))
          else inline()
        },
        inline
      })
    })
  }

  async decrypt (cipher: Uint8Array, key: Uint8Array): Promise<Buffer> {
    // Arguments decryptChunk would refuse are refused the same way, here.
    if (!this.canDecrypt(cipher, key)) {
      this.stats.inline++
      return decryptChunk(cipher, key)
    }
    const data = this.copyIn(cipher)
    const k = new Uint8Array(key)
    return await new Promise<Buffer>((resolve, reject) => {
      const inline = (): void => { this.runInline(() => { resolve(decryptChunk(cipher, k)) }, reject) }
      this.submit({ op: 'decrypt', data, length: cipher.length, key: k, iv: new Uint8Array(chunkIv(k)), out: this.take() }, {
        settle: (r) => {
          this.recycle(r.data)
          if (r.ok && 'plain' in r) { resolve(this.plaintext(r)); return }
          if (!r.ok) this.recycle(r.out)
          if (!r.ok && r.code === ChunkCipherErrorCode.KEY_MISMATCH) reject(new TornetError(ChunkCipherErrorCode.KEY_MISMATCH, r.message))
          else inline() // the worker could not do it (no native cipher there?)
        },
        inline
      })
    })
  }

  async openChunk (cipher: Buffer, id: Uint8Array, key: Uint8Array): Promise<OpenedChunk> {
    if (!this.canDecrypt(cipher, key)) {
      this.stats.inline++
      return openInline(cipher, id, key)
    }
    const length = cipher.length
    // A scratch buffer travels as it is; anything else is copied into one.
    const transferred = cipher.byteOffset === 0 && this.owned.has(cipher.buffer as ArrayBuffer)
    const data = transferred ? cipher.buffer as ArrayBuffer : this.copyIn(cipher)
    const k = new Uint8Array(key)
    const i = new Uint8Array(id)
    return await new Promise<OpenedChunk>((resolve, reject) => {
      const inline = (): void => {
        // A transferred buffer died with the worker that held it: the bytes are gone.
        if (transferred && cipher.length !== length) {
          reject(new TornetError(ChunkErrorCode.WORKER_FAILED, 'the crypto worker holding this chunk failed; fetch it again'))
          return
        }
        this.runInline(() => { resolve(openInline(cipher, i, k)) }, reject)
      }
      this.submit({ op: 'open', data, length, key: k, iv: new Uint8Array(chunkIv(k)), id: i, out: this.take() }, {
        settle: (r) => {
          let back = cipher
          if (transferred) {
            this.owned.add(r.data)
            back = Buffer.from(r.data, 0, length)
          } else {
            this.recycle(r.data)
          }
          if (r.ok && 'plain' in r) { resolve({ ok: true, cipher: back, plain: this.plaintext(r) }); return }
          if (!r.ok) this.recycle(r.out)
          if (!r.ok && r.code === ID_MISMATCH) resolve({ ok: false, cipher: back, reason: 'id-mismatch' })
          else if (!r.ok && r.code === ChunkCipherErrorCode.KEY_MISMATCH) resolve({ ok: false, cipher: back, reason: 'bad-key' })
          else this.runInline(() => { resolve(openInline(back, i, k)) }, reject)
        },
        inline
      })
    })
  }

  scratch (length: number): Buffer {
    if (!this.usesWorkers() || length > SCRATCH_BYTES || length < this.inlineBelow) return Buffer.allocUnsafe(length)
    return Buffer.from(this.take(), 0, length)
  }

  release (bytes: Buffer): void {
    if (bytes.byteOffset === 0 && this.owned.has(bytes.buffer as ArrayBuffer)) this.recycle(bytes.buffer as ArrayBuffer)
  }

  /**
   * Stops the workers now, for good: in-flight jobs finish inline, and so does any job
   * after this (so a read that outlives its node starts no thread).
   */
  async close (): Promise<void> {
    this.closed = true
    if (this.idleTimer !== undefined) clearTimeout(this.idleTimer)
    this.idleTimer = undefined
    const slots = this.slots.splice(0)
    for (const s of slots) this.rescue(s)
    await Promise.allSettled(slots.map(async s => await s.worker.terminate()))
  }

  private canDecrypt (cipher: Uint8Array, key: Uint8Array): boolean {
    return key.length === CHUNK_KEY_BYTES && cipher.length > 0 && cipher.length % 8 === 0 && hasNativeBlowfish() && this.offload(cipher)
  }

  private offload (bytes: Uint8Array): boolean {
    return this.usesWorkers() && bytes.length >= this.inlineBelow && bytes.length <= SCRATCH_BYTES
  }

  private usesWorkers (): boolean {
    return !this.broken && !this.closed && this.threads > 0
  }

  /** `bytes` copied into a scratch buffer of the pool. */
  private copyIn (bytes: Uint8Array): ArrayBuffer {
    const data = this.take()
    new Uint8Array(data, 0, bytes.length).set(bytes)
    return data
  }

  private take (): ArrayBuffer {
    let data = this.spare.pop()
    if (data === undefined) {
      data = new ArrayBuffer(SCRATCH_BYTES)
      this.owned.add(data)
      this.stats.buffersAllocated++
    }
    return data
  }

  private recycle (data: ArrayBuffer | undefined): void {
    if (data instanceof ArrayBuffer && data.byteLength === SCRATCH_BYTES && this.spare.length < SPARE_SCRATCH && !this.spare.includes(data)) {
      this.owned.add(data)
      this.spare.push(data)
    }
  }

  /** A worker's plaintext: its `out` buffer, now the pool's again (to be released by the reader). */
  private plaintext (r: { plain: ArrayBuffer, length: number }): Buffer {
    this.owned.add(r.plain)
    return Buffer.from(r.plain, 0, r.length)
  }

  private submit (msg: { data: ArrayBuffer, out?: ArrayBuffer } & Record<string, unknown>, job: Job): void {
    const slot = this.pick()
    if (slot === undefined) { this.recycle(msg.out); job.inline(); return }
    const seq = ++this.seq
    this.stats.offloaded++
    slot.jobs.set(seq, job)
    if (slot.jobs.size === 1) slot.worker.ref()
    slot.worker.postMessage({ ...msg, seq }, msg.out === undefined ? [msg.data] : [msg.data, msg.out])
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
      exposeGcToWorkers()
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
    slot.jobs.delete(r.seq)
    if (slot.jobs.size === 0) {
      slot.worker.unref()
      this.armIdle()
    }
    job.settle(r)
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
    for (const j of jobs) j.inline()
  }

  private runInline (run: () => void, reject: (e: Error) => void): void {
    this.stats.inline++
    try { run() } catch (err) { reject(err as Error) }
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

let gcExposed = false

/**
 * Sets V8's --expose-gc, once, from this thread, before the first worker starts: every context
 * created afterwards has a gc(), and the workers call it to free each decipher output at once
 * (crypto-worker-source.ts). Set here rather than by each worker so that no two threads write
 * V8's flags at the same time. This thread's own context was created before, and has none.
 */
function exposeGcToWorkers (): void {
  if (gcExposed) return
  gcExposed = true
  try { setFlagsFromString('--expose-gc') } catch {}
}

/** openChunk on the calling thread. */
function openInline (cipher: Buffer, id: Uint8Array, key: Uint8Array): OpenedChunk {
  if (!sha256(cipher).equals(id)) return { ok: false, cipher, reason: 'id-mismatch' }
  try {
    return { ok: true, cipher, plain: decryptChunk(cipher, key, { checkKey: false }) }
  } catch (err) {
    if (isTornetError(err) && (err.code === ChunkCipherErrorCode.KEY_MISMATCH || err.code === ChunkCipherErrorCode.MALFORMED)) {
      return { ok: false, cipher, reason: 'bad-key' }
    }
    throw err
  }
}
