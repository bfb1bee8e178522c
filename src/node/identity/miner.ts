import { availableParallelism } from 'node:os'
import { Worker } from 'node:worker_threads'
import { ed25519 } from '@noble/curves/ed25519.js'
import {
  type Identity, NONCE_BYTES, PUBLIC_KEY_BYTES, identityFromKeys, publicKeyFromSecret, rankOf
} from './identity.js'
import { IdentityErrorCode, identityError } from './errors.js'
import { MINER_WORKER_SOURCE } from './miner-worker-source.js'

/**
 * Rank mining: find an 8-byte nonce such that SHA-256(publicKey ‖ nonce) starts with at least
 * `rank` zero bits. The work is spread over worker threads, each walking its own residue class
 * of the nonce counter (worker i tries i, i + T, i + 2T, …), so no nonce is hashed twice.
 */

/** 2^64 nonces exist; asking for more zero bits than that is asking for the impossible. */
export const MAX_MINING_RANK = 64

export interface MiningProgress {
  /** Hashes tried so far, all workers together. */
  hashes: number
  /** Recent rate: over the last 8 progress intervals (~2 s), or since the start before that. */
  hashesPerSecond: number
  /** (2^rank − hashes) / rate, never below 0. The search is memoryless: this is a guide, not a promise. */
  expectedSecondsLeft: number
  elapsedSeconds: number
}

export interface MineOptions {
  rank: number
  /** Worker threads; default os.availableParallelism(). */
  threads?: number
  signal?: AbortSignal
  onProgress?: (p: MiningProgress) => void
  /** Mine for an existing key pair instead of a fresh one. secretKey is required; publicKey is checked against it. */
  secretKey?: Uint8Array
  publicKey?: Uint8Array
  /** How often onProgress fires (ms); default 250. */
  progressIntervalMs?: number
}

const WORKER_REPORT_MS = 100
const DEFAULT_PROGRESS_MS = 250
const RATE_WINDOW_SAMPLES = 9

/** Expected number of hashes to reach a rank: 2^rank. */
export function expectedHashes (rank: number): number {
  return 2 ** rank
}

/** (2^rank − hashes) / rate, never below 0; Infinity while no rate is known yet. */
export function expectedSecondsLeft (rank: number, hashes: number, hashesPerSecond: number): number {
  if (!(hashesPerSecond > 0)) return Infinity
  return Math.max(0, (expectedHashes(rank) - hashes) / hashesPerSecond)
}

/** True when nonce proves at least minRank for publicKey. Never throws on malformed input. */
export function verifyRankProof (publicKey: Uint8Array, nonce: Uint8Array, minRank: number): boolean {
  if (publicKey.length !== PUBLIC_KEY_BYTES || nonce.length !== NONCE_BYTES) return false
  return rankOf(publicKey, nonce) >= minRank
}

/** The nonce counter value n as the 8 little-endian bytes the miner hashes. */
export function nonceFromCounter (lo: number, hi: number): Buffer {
  const nonce = Buffer.alloc(NONCE_BYTES)
  nonce.writeUInt32LE(lo >>> 0, 0)
  nonce.writeUInt32LE(hi >>> 0, 4)
  return nonce
}

function resolveKeys (opts: MineOptions): { secretKey: Buffer, publicKey: Buffer } {
  if (opts.secretKey === undefined) {
    if (opts.publicKey !== undefined) {
      throw identityError(IdentityErrorCode.INVALID_ARGUMENT, 'mining for an existing public key needs its secret key too')
    }
    const { secretKey, publicKey } = ed25519.keygen()
    return { secretKey: Buffer.from(secretKey), publicKey: Buffer.from(publicKey) }
  }
  const publicKey = publicKeyFromSecret(opts.secretKey)
  if (publicKey === undefined) {
    throw identityError(IdentityErrorCode.INVALID_ARGUMENT, 'the secret key must be 32 bytes')
  }
  if (opts.publicKey !== undefined && !publicKey.equals(opts.publicKey)) {
    throw identityError(IdentityErrorCode.INVALID_ARGUMENT, 'the public key does not belong to the secret key')
  }
  return { secretKey: Buffer.from(opts.secretKey), publicKey }
}

function checkOptions (opts: MineOptions): number {
  if (!Number.isInteger(opts.rank) || opts.rank < 0 || opts.rank > MAX_MINING_RANK) {
    throw identityError(IdentityErrorCode.INVALID_ARGUMENT, `rank must be an integer from 0 to ${MAX_MINING_RANK}, not ${opts.rank}`)
  }
  const threads = opts.threads ?? availableParallelism()
  if (!Number.isInteger(threads) || threads < 1 || threads > 1024) {
    throw identityError(IdentityErrorCode.INVALID_ARGUMENT, `threads must be an integer from 1 to 1024, not ${threads}`)
  }
  return threads
}

type WorkerMessage =
  | { type: 'count', count: number }
  | { type: 'found', lo: number, hi: number, count: number }
  | { type: 'exhausted', count: number }

/**
 * Mine an identity of at least `rank`. Resolves with the identity (its `rank` is the rank
 * actually found, which may exceed the one asked for); rejects with IDENTITY_MINING_ABORTED when
 * the signal fires, IDENTITY_MINING_FAILED when a worker dies. Workers are terminated before the
 * promise settles, so no thread outlives the call.
 */
export async function mineIdentity (opts: MineOptions): Promise<Identity> {
  const threads = checkOptions(opts)
  const { secretKey, publicKey } = resolveKeys(opts)
  const { signal, onProgress } = opts
  if (signal?.aborted === true) {
    throw identityError(IdentityErrorCode.MINING_ABORTED, 'mining was aborted', signal.reason)
  }
  const started = performance.now()
  let hashes = 0
  const done = new Set<Worker>() // workers that used up their share of the nonce space

  // The rate is taken over the last few progress samples, not since the start: thread start-up
  // would otherwise drag it down for many seconds, and the machine's load changes over a long run.
  const recent: Array<{ t: number, hashes: number }> = []
  const progress = (): MiningProgress => {
    const now = performance.now()
    const elapsedSeconds = (now - started) / 1000
    recent.push({ t: now, hashes })
    if (recent.length > RATE_WINDOW_SAMPLES) recent.shift()
    const first = recent[0]
    const hashesPerSecond = recent.length >= 2 && now > first.t
      ? (hashes - first.hashes) / ((now - first.t) / 1000)
      : elapsedSeconds > 0 ? hashes / elapsedSeconds : 0
    return { hashes, hashesPerSecond, expectedSecondsLeft: expectedSecondsLeft(opts.rank, hashes, hashesPerSecond), elapsedSeconds }
  }

  const workers: Worker[] = []
  let timer: NodeJS.Timeout | undefined
  let onAbort: (() => void) | undefined

  const nonce = await new Promise<Buffer>((resolve, reject) => {
    let settled = false
    const finish = (outcome: { nonce: Buffer } | { error: Error }): void => {
      if (settled) return
      settled = true
      if (timer !== undefined) clearInterval(timer)
      if (onAbort !== undefined) signal?.removeEventListener('abort', onAbort)
      // Wait for every thread to stop so the caller gets its CPU back when the promise settles.
      void Promise.allSettled(workers.map(async w => await w.terminate())).then(() => {
        if ('nonce' in outcome) resolve(outcome.nonce)
        else reject(outcome.error)
      })
    }

    onAbort = () => finish({ error: identityError(IdentityErrorCode.MINING_ABORTED, 'mining was aborted', signal?.reason) })
    signal?.addEventListener('abort', onAbort, { once: true })

    for (let i = 0; i < threads && !settled; i++) {
      let worker: Worker
      try {
        worker = new Worker(MINER_WORKER_SOURCE, {
          eval: true,
          workerData: { publicKey: new Uint8Array(publicKey), offset: i, stride: threads, rank: opts.rank, reportMs: WORKER_REPORT_MS }
        })
      } catch (err) {
        // e.g. out of memory for another thread: stop the ones already running, then fail.
        finish({ error: identityError(IdentityErrorCode.MINING_FAILED, `cannot start a mining worker: ${(err as Error).message}`, err) })
        break
      }
      workers.push(worker)
      worker.on('message', (m: WorkerMessage) => {
        if (settled) return
        hashes += m.count
        if (m.type === 'found') {
          const found = nonceFromCounter(m.lo, m.hi)
          // Trust, but check: a wrong answer from a worker must never be saved as a proof.
          if (verifyRankProof(publicKey, found, opts.rank)) finish({ nonce: found })
          else finish({ error: identityError(IdentityErrorCode.MINING_FAILED, 'a mining worker reported a nonce that does not meet the rank') })
        } else if (m.type === 'exhausted') {
          done.add(worker)
          if (done.size === threads) finish({ error: identityError(IdentityErrorCode.MINING_FAILED, `the whole nonce space was searched without reaching rank ${opts.rank}`) })
        }
      })
      worker.on('error', (err) => {
        finish({ error: identityError(IdentityErrorCode.MINING_FAILED, `a mining worker failed: ${err.message}`, err) })
      })
      worker.on('exit', (code) => {
        if (!settled && !done.has(worker)) {
          finish({ error: identityError(IdentityErrorCode.MINING_FAILED, `a mining worker stopped unexpectedly (exit code ${code})`) })
        }
      })
    }

    if (onProgress !== undefined && !settled) {
      timer = setInterval(() => {
        if (settled) return
        try {
          onProgress(progress())
        } catch (err) {
          // A throwing callback must not crash the process from a timer; it ends the mining instead.
          finish({ error: err instanceof Error ? err : new Error(String(err)) })
        }
      }, opts.progressIntervalMs ?? DEFAULT_PROGRESS_MS)
    }
  })

  return identityFromKeys(secretKey, publicKey, nonce)
}
