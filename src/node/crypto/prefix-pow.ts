import { hash } from 'node:crypto'
import { MAX_MINING_RANK, type MiningProgress, expectedSecondsLeft, nonceFromCounter } from '../identity/miner.js'

/**
 * Proof of work over a fixed prefix: find the 8-byte little-endian counter
 * nonce 0, 1, 2, … whose SHA-256(prefix ‖ nonce) starts with `difficulty`
 * zero bits. Mined in this thread a slice of nonces at a time with a turn of
 * the event loop in between, so a node keeps answering while it mines (name
 * registrations, mail stamps). One place, so the loop every proof of work
 * runs is the one that is measured and tested.
 */
export interface PrefixPowOptions {
  signal?: AbortSignal
  onProgress?: (p: MiningProgress) => void
  /** How often onProgress fires (ms); default 250. */
  progressIntervalMs?: number
}

/** Nonces hashed between two turns of the event loop: a few ms of work. */
const SLICE = 2048
const DEFAULT_PROGRESS_MS = 250
const RATE_WINDOW_SAMPLES = 9

const nextTurn = async (): Promise<void> => { await new Promise<void>(resolve => setImmediate(resolve)) }

export function checkDifficulty (difficulty: number): void {
  if (!Number.isInteger(difficulty) || difficulty < 0 || difficulty > MAX_MINING_RANK) {
    throw new RangeError(`difficulty must be an integer from 0 to ${MAX_MINING_RANK}, not ${difficulty}`)
  }
}

/**
 * The nonce (8 bytes) and how many hashes it took. Throws the signal's
 * reason (or an AbortError) when `signal` fires; the caller maps it to its code.
 */
export async function mineSuffix (prefix: Uint8Array, difficulty: number, opts: PrefixPowOptions = {}): Promise<{ nonce: Buffer, hashes: number }> {
  checkDifficulty(difficulty)
  const { signal, onProgress } = opts
  const interval = opts.progressIntervalMs ?? DEFAULT_PROGRESS_MS
  const input = Buffer.alloc(prefix.length + 8)
  input.set(prefix)
  const at = prefix.length
  // difficulty d holds when the first d >> 3 bytes are zero and the next is below 256 >> (d & 7).
  const full = difficulty >>> 3
  const limit = 256 >>> (difficulty & 7)

  const started = performance.now()
  let lastProgress = started
  const recent: Array<{ t: number, hashes: number }> = [{ t: started, hashes: 0 }]
  let lo = 0
  let hi = 0
  let hashes = 0
  for (;;) {
    signal?.throwIfAborted()
    for (let i = 0; i < SLICE; i++) {
      input[at] = lo; input[at + 1] = lo >>> 8; input[at + 2] = lo >>> 16; input[at + 3] = lo >>> 24
      const h = hash('sha256', input, 'buffer') as Buffer
      hashes++
      let ok = true
      for (let j = 0; j < full; j++) if (h[j] !== 0) { ok = false; break }
      if (ok && (full >= 32 || h[full] < limit)) return { nonce: nonceFromCounter(lo, hi), hashes }
      lo++
      if (lo > 0xffffffff) {
        lo = 0
        hi++
        input[at + 4] = hi; input[at + 5] = hi >>> 8; input[at + 6] = hi >>> 16; input[at + 7] = hi >>> 24
      }
    }
    const t = performance.now()
    if (onProgress !== undefined && t - lastProgress >= interval) {
      lastProgress = t
      recent.push({ t, hashes })
      if (recent.length > RATE_WINDOW_SAMPLES) recent.shift()
      const first = recent[0]
      const hashesPerSecond = t > first.t ? (hashes - first.hashes) / ((t - first.t) / 1000) : 0
      onProgress({
        hashes,
        hashesPerSecond,
        expectedSecondsLeft: expectedSecondsLeft(difficulty, hashes, hashesPerSecond),
        elapsedSeconds: (t - started) / 1000
      })
    }
    await nextTurn()
  }
}
