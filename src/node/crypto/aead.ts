import { createRequire } from 'node:module'

/**
 * ChaCha20-Poly1305 (IETF, RFC 8439: 32-byte key, 12-byte nonce, 16-byte
 * tag) through libsodium (sodium-native), for the per-packet and per-cell hot
 * paths. Measured here on 1,150-byte packets: libsodium ≈ 1.9 µs a packet,
 * node:crypto's createCipheriv/final/getAuthTag ≈ 12 µs — most of that is
 * creating a cipher object per packet, which libsodium's one-shot call avoids.
 * Same bytes as node:crypto's 'chacha20-poly1305' (tested against it).
 *
 * Output buffers are the caller's: no allocation per call when the caller
 * reuses them. Lengths are checked here; a wrong length throws RangeError
 * (a programming error, never a network input: callers check wire lengths).
 */

/** The libsodium calls this project uses (sodium-native ships no types); loaded once, here. */
interface Sodium {
  crypto_scalarmult_base: (q: Uint8Array, n: Uint8Array) => void
  crypto_aead_chacha20poly1305_ietf_encrypt_detached: (c: Uint8Array, mac: Uint8Array, m: Uint8Array, ad: Uint8Array | null, nsec: null, npub: Uint8Array, k: Uint8Array) => number
  crypto_aead_chacha20poly1305_ietf_decrypt_detached: (m: Uint8Array, nsec: null, c: Uint8Array, mac: Uint8Array, ad: Uint8Array | null, npub: Uint8Array, k: Uint8Array) => void
}

export const sodium = createRequire(import.meta.url)('sodium-native') as Sodium

export const AEAD_KEY_BYTES = 32
export const AEAD_NONCE_BYTES = 12
export const AEAD_TAG_BYTES = 16

function check (key: Uint8Array, nonce: Uint8Array, tag: Uint8Array, a: Uint8Array, b: Uint8Array): void {
  if (key.length !== AEAD_KEY_BYTES) throw new RangeError(`an AEAD key is ${AEAD_KEY_BYTES} bytes (got ${key.length})`)
  if (nonce.length !== AEAD_NONCE_BYTES) throw new RangeError(`an AEAD nonce is ${AEAD_NONCE_BYTES} bytes (got ${nonce.length})`)
  if (tag.length !== AEAD_TAG_BYTES) throw new RangeError(`an AEAD tag is ${AEAD_TAG_BYTES} bytes (got ${tag.length})`)
  if (a.length !== b.length) throw new RangeError(`AEAD input and output differ in length (${a.length} vs ${b.length})`)
}

/** Encrypts `plaintext` into `out` (same length; may be the same buffer) and writes the tag into `tag`. */
export function aeadSealDetached (key: Uint8Array, nonce: Uint8Array, plaintext: Uint8Array, ad: Uint8Array | null, out: Uint8Array, tag: Uint8Array): void {
  check(key, nonce, tag, plaintext, out)
  sodium.crypto_aead_chacha20poly1305_ietf_encrypt_detached(out, tag, plaintext, ad, null, nonce, key)
}

/** Decrypts `ciphertext` into `out` (same length; may be the same buffer); false (and `out` unspecified) when the tag does not authenticate. */
export function aeadOpenDetached (key: Uint8Array, nonce: Uint8Array, ciphertext: Uint8Array, ad: Uint8Array | null, tag: Uint8Array, out: Uint8Array): boolean {
  check(key, nonce, tag, ciphertext, out)
  try {
    sodium.crypto_aead_chacha20poly1305_ietf_decrypt_detached(out, null, ciphertext, tag, ad, nonce, key)
    return true
  } catch {
    return false
  }
}

/** ciphertext ‖ tag, newly allocated (for cold paths). */
export function aeadSeal (key: Uint8Array, nonce: Uint8Array, plaintext: Uint8Array, ad: Uint8Array | null = null): Buffer {
  const out = Buffer.allocUnsafe(plaintext.length + AEAD_TAG_BYTES)
  aeadSealDetached(key, nonce, plaintext, ad, out.subarray(0, plaintext.length), out.subarray(plaintext.length))
  return out
}

/** The plaintext of ciphertext ‖ tag, or undefined when it is too short or does not authenticate. */
export function aeadOpen (key: Uint8Array, nonce: Uint8Array, sealed: Uint8Array, ad: Uint8Array | null = null): Buffer | undefined {
  if (sealed.length < AEAD_TAG_BYTES) return undefined
  const n = sealed.length - AEAD_TAG_BYTES
  const out = Buffer.allocUnsafe(n)
  return aeadOpenDetached(key, nonce, sealed.subarray(0, n), ad, sealed.subarray(n), out) ? out : undefined
}
