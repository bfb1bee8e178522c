/**
 * The body of one chunk-crypto worker (crypto-pool.ts), as plain JavaScript run with
 * `new Worker(src, { eval: true })`: a string, not a module file, so the same code runs under
 * vitest (TypeScript sources) and from the compiled dist/ tree without a path to resolve (as
 * the rank miner does). The worker shares the process's OpenSSL, so native `bf-cbc` works here
 * exactly when it works on the main thread (--openssl-legacy-provider).
 *
 * Messages in (`data` is a scratch ArrayBuffer of the pool, transferred here and transferred
 * back with the answer, so no buffer is ever copied by postMessage or left to this thread's GC):
 *   { seq, op: 'sha256',  data: ArrayBuffer, length }
 *   { seq, op: 'decrypt', data: ArrayBuffer, length, key: Uint8Array(32), iv: Uint8Array(8) }
 *   { seq, op: 'open',    data: ArrayBuffer, length, key, iv, id: Uint8Array(32) }
 * Messages out (each with `data` transferred back):
 *   { seq, ok: true, data, digest: Uint8Array(32) }                  sha256
 *   { seq, ok: true, data, plain: ArrayBuffer, offset, length }      decrypt, open (plain transferred too)
 *   { seq, ok: false, data, code: 'CHUNK_ID_MISMATCH', message }     open: SHA-256(data) is not the id
 *   { seq, ok: false, data, code, message }                          CHUNK_KEY_MISMATCH (bad padding or
 *                                                                    SHA-256(plain) ≠ key) or WORKER_FAILED
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

parentPort.on('message', (m) => {
  const data = m.data
  try {
    const input = Buffer.from(data, 0, m.length)
    if (m.op === 'sha256') {
      const digest = createHash('sha256').update(input).digest()
      parentPort.postMessage({ seq: m.seq, ok: true, data, digest }, [data])
      return
    }
    if (m.op === 'open' && !createHash('sha256').update(input).digest().equals(Buffer.from(m.id))) {
      parentPort.postMessage({ seq: m.seq, ok: false, data, code: 'CHUNK_ID_MISMATCH', message: 'chunk bytes do not hash to the chunk id' }, [data])
      return
    }
    const plain = decrypt(input, Buffer.from(m.key), Buffer.from(m.iv), m.op !== 'open')
    if (plain === undefined) {
      parentPort.postMessage({ seq: m.seq, ok: false, data, code: 'CHUNK_KEY_MISMATCH', message: 'chunk does not decrypt to the content its key names (wrong key or corrupted chunk)' }, [data])
      return
    }
    let ab = plain.buffer
    let offset = plain.byteOffset
    if (ab.byteLength > plain.length + 8) {
      // A view on a larger (pooled) buffer: copy out exactly the plaintext rather than ship the pool.
      const own = new Uint8Array(plain.length)
      own.set(plain)
      ab = own.buffer
      offset = 0
    }
    parentPort.postMessage({ seq: m.seq, ok: true, data, plain: ab, offset, length: plain.length }, [data, ab])
  } catch (err) {
    parentPort.postMessage({ seq: m.seq, ok: false, data, code: 'WORKER_FAILED', message: String(err && err.message || err) }, [data])
  }
})
`
