import { hash } from 'node:crypto'

/**
 * The baseline of a proof-of-work figure: a bare native SHA-256 loop over a
 * buffer of the proof's input size, its last bytes counting like a nonce
 * (hashes per second over `seconds`).
 */
export function nativeSha256Rate (inputBytes: number, seconds: number): number {
  const input = Buffer.alloc(inputBytes)
  let n = 0
  const started = performance.now()
  while (performance.now() - started < seconds * 1000) {
    for (let i = 0; i < 4096; i++) { input[inputBytes - 8] = i; input[inputBytes - 7] = i >>> 8; hash('sha256', input, 'buffer') }
    n += 4096
  }
  return n / ((performance.now() - started) / 1000)
}
