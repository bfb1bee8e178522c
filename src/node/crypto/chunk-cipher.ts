import { createCipheriv, createDecipheriv } from 'node:crypto'
import { Blowfish } from 'egoroof-blowfish'
import { TornetError } from '../errors.js'
import { sha256 } from './hash.js'

/**
 * Convergent chunk encryption, as the seed describes it: a chunk's plaintext
 * is encrypted with Blowfish-CBC under key = SHA-256(plaintext), and the
 * chunk is found on the network by id = SHA-256(ciphertext). Equal plaintexts
 * give equal chunks (dedup); you need the key to read a chunk and its id to
 * find it.
 *
 * Bytes:
 *   key    = SHA-256(plain)                                    32 bytes
 *   iv     = SHA-256("tornet/chunk-iv/v1" ‖ key)[0..8]          8 bytes
 *   cipher = Blowfish-CBC(key, iv, plain ‖ PKCS#7 pad (1..8 bytes))
 *   id     = SHA-256(cipher)                                   32 bytes
 *
 * The IV must be deterministic for convergence; deriving it from the key is
 * safe because one key only ever encrypts one plaintext (the key is that
 * plaintext's hash), so a key/IV pair is never reused across messages.
 * Blowfish takes 4..56-byte keys; all 32 key bytes are used (checked against
 * OpenSSL and egoroof in the tests).
 *
 * Two implementations give identical bytes: native OpenSSL `bf-cbc` (only
 * when the process runs with --openssl-legacy-provider, ~6x faster) and the
 * pure-JS egoroof-blowfish. Detection happens once, lazily.
 */

export const CHUNK_KEY_BYTES = 32
/** A stored chunk (the ciphertext) is at most 1 MiB. */
export const CHUNK_MAX_BYTES = 1 << 20
/** Largest plaintext whose padded ciphertext still fits: 1 MiB - 8 (block aligned). */
export const CHUNK_MAX_PLAIN_BYTES = CHUNK_MAX_BYTES - 8

const BLOCK = 8
const IV_TAG = Buffer.from('tornet/chunk-iv/v1')

export const ChunkCipherErrorCode = {
  /** ciphertext length is zero, not a multiple of 8, or above 1 MiB */
  MALFORMED: 'CHUNK_CIPHER_MALFORMED',
  /** padding is wrong or SHA-256(plain) differs from the key: wrong key or corrupted chunk */
  KEY_MISMATCH: 'CHUNK_KEY_MISMATCH',
  /** plaintext above CHUNK_MAX_PLAIN_BYTES */
  TOO_LARGE: 'CHUNK_TOO_LARGE',
  /** key not 32 bytes */
  BAD_KEY: 'CHUNK_BAD_KEY',
  /** native implementation requested but unavailable */
  NO_NATIVE: 'CHUNK_NO_NATIVE_BLOWFISH'
} as const

export interface EncryptedChunk {
  /** SHA-256 of the plaintext: the Blowfish key. */
  key: Buffer
  /** The stored bytes. */
  cipher: Buffer
  /** SHA-256 of the ciphertext: the chunk id on the network. */
  id: Buffer
}

export type BlowfishImpl = 'native' | 'js'

export interface ChunkCipherOptions {
  /** Force an implementation (tests, bench); default: native when available. */
  impl?: BlowfishImpl
}

let nativeAvailable: boolean | undefined

/** True when this process can use OpenSSL's bf-cbc (legacy provider loaded). */
export function hasNativeBlowfish (): boolean {
  if (nativeAvailable === undefined) {
    try {
      createCipheriv('bf-cbc', Buffer.alloc(16), Buffer.alloc(BLOCK)).final()
      nativeAvailable = true
    } catch {
      nativeAvailable = false
    }
  }
  return nativeAvailable
}

/** The implementation encryptChunk/decryptChunk use by default in this process. */
export function defaultBlowfishImpl (): BlowfishImpl {
  return hasNativeBlowfish() ? 'native' : 'js'
}

/** The fixed CBC IV for a chunk key (see the header comment). */
export function chunkIv (key: Uint8Array): Buffer {
  return sha256(IV_TAG, key).subarray(0, BLOCK)
}

export function encryptChunk (plain: Uint8Array, opts: ChunkCipherOptions = {}): EncryptedChunk {
  if (plain.length > CHUNK_MAX_PLAIN_BYTES) {
    throw new TornetError(ChunkCipherErrorCode.TOO_LARGE,
      `chunk plaintext of ${plain.length} bytes exceeds ${CHUNK_MAX_PLAIN_BYTES}`)
  }
  const key = sha256(plain)
  const cipher = blowfishCbcEncryptRaw(key, chunkIv(key), pkcs7Pad(plain), opts.impl)
  return { key, cipher, id: sha256(cipher) }
}

export interface DecryptOptions extends ChunkCipherOptions {
  /**
   * Check SHA-256(plain) against the key (default true). Skip it only for ciphertext the
   * caller has just checked against the chunk id that came with this key: the id pins the
   * ciphertext, decryption under a given key is deterministic, so the plaintext is then
   * exactly what the record naming (id, key) refers to, and a second hash of every byte
   * proves nothing more. The padding is still checked.
   */
  checkKey?: boolean
}

/**
 * Decrypts a chunk and checks that SHA-256(plain) equals the key, so a wrong
 * key or corrupted bytes always fail with CHUNK_KEY_MISMATCH, never return
 * garbage. The caller should verify the id (SHA-256(cipher)) before this.
 */
export function decryptChunk (cipher: Uint8Array, key: Uint8Array, opts: DecryptOptions = {}): Buffer {
  if (key.length !== CHUNK_KEY_BYTES) {
    throw new TornetError(ChunkCipherErrorCode.BAD_KEY, `chunk key must be ${CHUNK_KEY_BYTES} bytes, got ${key.length}`)
  }
  if (cipher.length === 0 || cipher.length % BLOCK !== 0 || cipher.length > CHUNK_MAX_BYTES) {
    throw new TornetError(ChunkCipherErrorCode.MALFORMED,
      `chunk ciphertext of ${cipher.length} bytes is not a non-empty multiple of ${BLOCK} up to ${CHUNK_MAX_BYTES}`)
  }
  const padded = blowfishCbcDecryptRaw(key, chunkIv(key), cipher, opts.impl)
  const plain = pkcs7Unpad(padded)
  if (plain === undefined || (opts.checkKey !== false && !sha256(plain).equals(key))) {
    throw new TornetError(ChunkCipherErrorCode.KEY_MISMATCH, 'chunk does not decrypt to the content its key names (wrong key or corrupted chunk)')
  }
  return plain
}

/** Length of the ciphertext for a plaintext of `plainLength` bytes. */
export function cipherLengthOf (plainLength: number): number {
  return (Math.floor(plainLength / BLOCK) + 1) * BLOCK
}

// ---------------------------------------------------------------------------
// Raw Blowfish-CBC without padding (data: a non-empty multiple of 8 bytes).
// Exported for the vectors and the native/JS equivalence tests; chunk code
// should call encryptChunk/decryptChunk.

export function blowfishCbcEncryptRaw (key: Uint8Array, iv: Uint8Array, data: Uint8Array, impl?: BlowfishImpl): Buffer {
  checkRaw(data)
  if (pick(impl) === 'native') {
    const c = createCipheriv('bf-cbc', key, iv)
    c.setAutoPadding(false)
    return concat2(c.update(data), c.final())
  }
  const bf = new Blowfish(key, Blowfish.MODE.CBC, Blowfish.PADDING.NULL)
  bf.setIv(iv)
  // NULL padding adds nothing to non-empty block-aligned input.
  return toBuffer(bf.encode(data))
}

export function blowfishCbcDecryptRaw (key: Uint8Array, iv: Uint8Array, data: Uint8Array, impl?: BlowfishImpl): Buffer {
  checkRaw(data)
  if (pick(impl) === 'native') {
    const d = createDecipheriv('bf-cbc', key, iv)
    d.setAutoPadding(false)
    return concat2(d.update(data), d.final())
  }
  // egoroof always strips padding on decode. With PKCS5 it strips `last byte`
  // bytes when that byte is <= 8; to get the raw blocks we append one extra
  // block X = E(C_last XOR T) whose plaintext is T, ending in 0xff (never
  // stripped), then drop it.
  const t = Buffer.alloc(BLOCK, 0xff)
  const last = data.subarray(data.length - BLOCK)
  for (let i = 0; i < BLOCK; i++) t[i] ^= last[i]
  const x = new Blowfish(key, Blowfish.MODE.ECB, Blowfish.PADDING.NULL).encode(t)
  const bf = new Blowfish(key, Blowfish.MODE.CBC, Blowfish.PADDING.PKCS5)
  bf.setIv(iv)
  const out = bf.decode(concat2(data, x), Blowfish.TYPE.UINT8_ARRAY)
  if (out.length !== data.length + BLOCK) throw new Error('egoroof-blowfish: unexpected unpadding')
  return toBuffer(out).subarray(0, data.length)
}

function pick (impl: BlowfishImpl | undefined): BlowfishImpl {
  if (impl === undefined) return defaultBlowfishImpl()
  if (impl === 'native' && !hasNativeBlowfish()) {
    throw new TornetError(ChunkCipherErrorCode.NO_NATIVE,
      'native Blowfish needs OpenSSL\'s legacy provider: start node with --openssl-legacy-provider')
  }
  return impl
}

function checkRaw (data: Uint8Array): void {
  if (data.length === 0 || data.length % BLOCK !== 0) {
    throw new TornetError(ChunkCipherErrorCode.MALFORMED, `raw Blowfish data must be a non-empty multiple of ${BLOCK} bytes`)
  }
}

function pkcs7Pad (plain: Uint8Array): Buffer {
  const pad = BLOCK - (plain.length % BLOCK)
  const out = Buffer.allocUnsafe(plain.length + pad)
  out.set(plain, 0)
  out.fill(pad, plain.length)
  return out
}

function pkcs7Unpad (padded: Buffer): Buffer | undefined {
  const pad = padded[padded.length - 1]
  if (pad < 1 || pad > BLOCK) return undefined
  for (let i = padded.length - pad; i < padded.length; i++) if (padded[i] !== pad) return undefined
  return padded.subarray(0, padded.length - pad)
}

function concat2 (a: Uint8Array, b: Uint8Array): Buffer {
  if (b.length === 0) return toBuffer(a)
  return Buffer.concat([a, b])
}

function toBuffer (u: Uint8Array): Buffer {
  return Buffer.isBuffer(u) ? u : Buffer.from(u.buffer, u.byteOffset, u.length)
}
