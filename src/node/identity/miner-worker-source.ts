/**
 * The body of one mining worker, as plain JavaScript run with `new Worker(src, { eval: true })`.
 * It is a string, not a module file, so the same code runs under vitest (TypeScript sources) and
 * from the compiled dist/ tree without a path to resolve.
 *
 * workerData: { publicKey: Uint8Array(32), offset: number, stride: number, rank: number,
 *               reportMs: number }
 * The worker tries nonces offset, offset + stride, offset + 2·stride, … (a 64-bit LE counter kept
 * as two 32-bit halves), hashing ONE reused 40-byte buffer publicKey ‖ nonce whose nonce bytes
 * are rewritten in place, so the loop allocates nothing but the digest node:crypto returns.
 *
 * Messages to the parent:
 *   { type: 'count', count }             hashes done since the previous message (~every reportMs)
 *   { type: 'found', lo, hi, count }     nonce = hi·2^32 + lo meets the rank; then it stops
 *   { type: 'exhausted', count }         its share of the 2^64 nonce space is used up
 */
export const MINER_WORKER_SOURCE = String.raw`
'use strict'
const { parentPort, workerData } = require('node:worker_threads')
const { hash } = require('node:crypto')

function main () {
  const { publicKey, offset, stride, rank, reportMs } = workerData
  const input = new Uint8Array(40)
  input.set(publicKey, 0)
  // rank r holds when the first (r >> 3) digest bytes are zero and the next byte is below
  // 256 >> (r & 7); for r a multiple of 8 that bound is 256, which every byte meets.
  const full = rank >>> 3
  const limit = 256 >>> (rank & 7)
  const meets = (h) => {
    for (let j = 0; j < full; j++) if (h[j] !== 0) return false
    return full >= 32 || h[full] < limit
  }
  const BATCH = 1024
  let lo = offset >>> 0
  let hi = 0
  let pending = 0
  let lastReport = performance.now()
  for (;;) {
    for (let i = 0; i < BATCH; i++) {
      // Uint8Array stores keep the low 8 bits, so no masking is needed.
      input[32] = lo; input[33] = lo >>> 8; input[34] = lo >>> 16; input[35] = lo >>> 24
      const h = hash('sha256', input, 'buffer')
      if (meets(h)) {
        parentPort.postMessage({ type: 'found', lo, hi, count: pending + i + 1 })
        return
      }
      lo += stride
      if (lo > 0xffffffff) {
        lo -= 0x100000000
        hi += 1
        if (hi > 0xffffffff) {
          parentPort.postMessage({ type: 'exhausted', count: pending + i + 1 })
          return
        }
        input[36] = hi; input[37] = hi >>> 8; input[38] = hi >>> 16; input[39] = hi >>> 24
      }
    }
    pending += BATCH
    const now = performance.now()
    if (now - lastReport >= reportMs) {
      parentPort.postMessage({ type: 'count', count: pending })
      pending = 0
      lastReport = now
    }
  }
}

main()
`
