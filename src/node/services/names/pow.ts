import { hash } from 'node:crypto'
import type { Identity } from '../../identity/identity.js'
import { MAX_MINING_RANK, type MiningProgress, expectedSecondsLeft, nonceFromCounter } from '../../identity/miner.js'
import { NameError, NameErrorCode } from './errors.js'
import {
  DEFAULT_DIFFICULTY, type Registration, type UnsignedRegistration, powBits, powPrefix, signRegistration
} from './registration.js'

/**
 * Mines a registration's proof of work in this thread, a slice of nonces at a
 * time with a turn of the event loop in between, so the node keeps answering
 * while it mines (a few seconds at the default difficulty; one core). The
 * nonce is the 64-bit little-endian counter 0, 1, 2, ... as in rank mining.
 */

export interface MineRegistrationOptions {
  /** Leading zero bits to reach; default DEFAULT_DIFFICULTY. */
  difficulty?: number
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

/**
 * Finds a nonce whose proof has at least `difficulty` zero bits and signs the
 * registration with it. Rejects with NAME_ABORTED when the signal fires.
 */
export async function mineRegistration (
  identity: Pick<Identity, 'secretKey'>, unsigned: UnsignedRegistration, opts: MineRegistrationOptions = {}
): Promise<Registration> {
  const difficulty = opts.difficulty ?? DEFAULT_DIFFICULTY
  if (!Number.isInteger(difficulty) || difficulty < 0 || difficulty > MAX_MINING_RANK) {
    throw new RangeError(`difficulty must be an integer from 0 to ${MAX_MINING_RANK}, not ${difficulty}`)
  }
  const { signal, onProgress } = opts
  const interval = opts.progressIntervalMs ?? DEFAULT_PROGRESS_MS
  const prefix = powPrefix(unsigned)
  const input = Buffer.alloc(prefix.length + 8)
  prefix.copy(input)
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
    if (signal?.aborted === true) throw new NameError(NameErrorCode.ABORTED, 'mining was aborted', { cause: signal.reason })
    for (let i = 0; i < SLICE; i++) {
      input[at] = lo; input[at + 1] = lo >>> 8; input[at + 2] = lo >>> 16; input[at + 3] = lo >>> 24
      const h = hash('sha256', input, 'buffer') as Buffer
      let ok = true
      for (let j = 0; j < full; j++) if (h[j] !== 0) { ok = false; break }
      if (ok && (full >= 32 || h[full] < limit)) {
        const nonce = nonceFromCounter(lo, hi)
        // Trust, but check: the proof is what every replica will test.
        if (powBits({ ...unsigned, nonce }) < difficulty) throw new Error('internal error: mined nonce does not meet the difficulty')
        return signRegistration(identity, unsigned, nonce)
      }
      hashes++
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
