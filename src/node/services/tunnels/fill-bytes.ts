import { randomFillSync } from 'node:crypto'

/** Where padding and slot-fill bytes come from; injectable so golden vectors can fix them. */
export type RandomBytes = (n: number) => Buffer

const POOL_BYTES = 16 * 1024
let pool = Buffer.alloc(0)
let used = 0

/**
 * Random bytes for cell padding and empty onion slots, served from a pool:
 * one randomBytes(16) call costs about as much as an AEAD seal of a whole
 * cell (≈ 9 µs measured), and every forwarded cell needs 16 fresh bytes.
 * Returned views are never overwritten (a refill allocates a new pool), but
 * callers copy them into their cell at once anyway. Not for keys.
 */
export const fillBytes: RandomBytes = (n) => {
  if (n > POOL_BYTES / 4) return randomFillSync(Buffer.allocUnsafe(n))
  if (used + n > pool.length) {
    pool = randomFillSync(Buffer.allocUnsafe(POOL_BYTES))
    used = 0
  }
  const out = pool.subarray(used, used + n)
  used += n
  return out
}
