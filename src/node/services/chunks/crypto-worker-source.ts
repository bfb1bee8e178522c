/**
 * The body of one chunk-crypto worker (crypto-pool.ts), as plain JavaScript run with
 * `new Worker(src, { eval: true })`: a string, not a module file, so the same code runs under
 * vitest (TypeScript sources) and from the compiled dist/ tree without a path to resolve (as
 * the rank miner does). The worker shares the process's OpenSSL, so native `bf-cbc` works here
 * exactly when it works on the main thread (--openssl-legacy-provider).
 *
 * Messages in (`data` and `out` are scratch ArrayBuffers of the pool, transferred here and
 * transferred back with the answer, so no buffer is ever copied by postMessage):
 *   { seq, op: 'sha256',  data: ArrayBuffer, length }
 *   { seq, op: 'decrypt', data: ArrayBuffer, length, key: Uint8Array(32), iv: Uint8Array(8), out: ArrayBuffer }
 *   { seq, op: 'open',    data: ArrayBuffer, length, key, iv, id: Uint8Array(32), out }
 * Messages out (each with `data`, and `out` when one came, transferred back):
 *   { seq, ok: true, data, digest: Uint8Array(32) }                  sha256
 *   { seq, ok: true, data, plain: ArrayBuffer, length }              decrypt, open: plain is `out`, the
 *                                                                    plaintext in its first `length` bytes
 *   { seq, ok: false, data, out, code: 'CHUNK_ID_MISMATCH', message } open: SHA-256(data) is not the id
 *   { seq, ok: false, data, out, code, message }                     CHUNK_KEY_MISMATCH (bad padding or
 *                                                                    SHA-256(plain) ≠ key) or WORKER_FAILED
 *
 * The plaintext is written into `out`, a buffer of the pool, so that a reader that is done with
 * it can hand it back for the next chunk (ChunkCrypto.release). Node's decipher allocates its
 * output afresh; that megabyte is garbage here as soon as it is copied, and a minor collection
 * frees it at once (about 0.1 ms). Left to V8's own schedule, dead plaintexts pile up to its
 * external-memory limit (64 MiB) before anything is collected: measured, 30 MiB more RSS per
 * worker, and in the main thread (which used to get them) the ~50 MiB sawtooth of a download.
 *
 * decrypt = Blowfish-CBC without padding, strip PKCS#7 (1..8 bytes, all equal), then
 * SHA-256(plain) must equal the key: the same checks as decryptChunk in crypto/chunk-cipher.ts,
 * which the tests compare this against byte for byte. open = SHA-256(data) must equal the id,
 * then decrypt without the key check (the id pins the ciphertext: DecryptOptions.checkKey).
 */
export const CRYPTO_WORKER_SOURCE = String.raw`
'use strict'
const { parentPort } = require('node:worker_threads')
const { createHash, createDecipheriv } = require('node:crypto')

// A collector to call once each decipher's output is dead (see above): the pool sets
// --expose-gc before it starts a worker, which gives this thread a gc(); without one, V8's schedule.
const collect = typeof gc === 'function' ? () => { gc({ type: 'minor', execution: 'sync' }) } : () => {}

function decrypt (input, key, iv, checkKey) {
  const d = createDecipheriv('bf-cbc', key, iv)
  d.setAutoPadding(false)
  const padded = d.update(input)
  const tail = d.final()
  if (tail.length !== 0) throw new Error('unexpected final block')
  const pad = padded[padded.length - 1]
  if (!(pad >= 1 && pad <= 8)) return undefined
  for (let i = padded.length - pad; i < padded.length; i++) if (padded[i] !== pad) return undefined
  const plain = padded.subarray(0, padded.length - pad)
  if (checkKey && !createHash('sha256').update(plain).digest().equals(key)) return undefined
  return plain
}

/** The plaintext's length once copied into out, or -1 when it does not decrypt. */
function decryptInto (input, m, out) {
  const plain = decrypt(input, Buffer.from(m.key), Buffer.from(m.iv), m.op !== 'open')
  if (plain === undefined) return -1
  new Uint8Array(out, 0, plain.length).set(plain)
  return plain.length
}

parentPort.on('message', (m) => {
  const data = m.data
  const out = m.out instanceof ArrayBuffer ? m.out : undefined
  const buffers = out === undefined ? [data] : [data, out]
  const fail = (code, message) => { parentPort.postMessage({ seq: m.seq, ok: false, data, out, code, message }, buffers) }
  try {
    const input = Buffer.from(data, 0, m.length)
    if (m.op === 'sha256') {
      const digest = createHash('sha256').update(input).digest()
      parentPort.postMessage({ seq: m.seq, ok: true, data, digest }, [data])
      return
    }
    if (out === undefined || out.byteLength < m.length) { fail('WORKER_FAILED', 'no output buffer for the plaintext'); return }
    if (m.op === 'open' && !createHash('sha256').update(input).digest().equals(Buffer.from(m.id))) {
      fail('CHUNK_ID_MISMATCH', 'chunk bytes do not hash to the chunk id')
      return
    }
    const length = decryptInto(input, m, out)
    collect() // decryptInto has returned: nothing refers to the decipher's output any more
    if (length < 0) {
      fail('CHUNK_KEY_MISMATCH', 'chunk does not decrypt to the content its key names (wrong key or corrupted chunk)')
      return
    }
    parentPort.postMessage({ seq: m.seq, ok: true, data, plain: out, length }, buffers)
  } catch (err) {
    fail('WORKER_FAILED', String(err && err.message || err))
  }
})
`
