import {
  createCipheriv, createDecipheriv, createPrivateKey, createPublicKey, diffieHellman,
  hkdfSync, randomBytes, sign as nodeSign, verify as nodeVerify, type KeyObject
} from 'node:crypto'
import { ed25519 } from '@noble/curves/ed25519.js'
import { sodium } from '../crypto/aead.js'

/**
 * The link layer's primitives, all native (node:crypto / OpenSSL) except the
 * ed25519 → X25519 key conversion: X25519 ephemerals, ed25519 signatures with
 * cached key objects, HKDF-SHA256 and ChaCha20-Poly1305 with a counter nonce.
 * Measured on the 2-core CI machine: native X25519 DH ≈ 31 µs versus 840 µs
 * for @noble; native ed25519 verify ≈ 65 µs versus 900 µs. Raw keys go in and
 * out as JWK, not DER: importing a DER public key costs ≈ 70–100 µs, a JWK ≈ 5 µs.
 */

const X25519_PKCS8 = Buffer.from('302e020100300506032b656e04220420', 'hex')
const ED25519_PKCS8 = Buffer.from('302e020100300506032b657004220420', 'hex')

function rawPublic (k: KeyObject): Buffer {
  return Buffer.from(k.export({ format: 'jwk' }).x as string, 'base64url')
}

function importPublic (crv: 'X25519' | 'Ed25519', raw: Uint8Array): KeyObject {
  return createPublicKey({ key: { kty: 'OKP', crv, x: Buffer.from(raw).toString('base64url') }, format: 'jwk' })
}

export interface X25519KeyPair { privateKey: KeyObject, publicKey: Buffer }

/**
 * A fresh ephemeral pair: 32 random bytes imported as the secret. Not generateKeyPairSync: on
 * Node 20.20 a KeyGenJob freed by a GC that a JWK export set off takes a lock the export holds,
 * and the process hangs for good (seen once in the crash rounds, `~KeyGenJob` → `uv_mutex_lock`
 * under `KeyObjectHandle::ExportJWK`). With no KeyGenJob there is nothing to free.
 */
export function generateX25519 (): X25519KeyPair {
  const secret = randomBytes(32)
  const publicKey = Buffer.alloc(32)
  sodium.crypto_scalarmult_base(publicKey, secret) // the same clamping as OpenSSL's X25519
  // Imported as a JWK with its public half (≈ 74 µs here, against ≈ 400 µs for a PKCS#8 import).
  const privateKey = createPrivateKey({ key: { kty: 'OKP', crv: 'X25519', d: secret.toString('base64url'), x: publicKey.toString('base64url') }, format: 'jwk' })
  secret.fill(0)
  return { privateKey, publicKey }
}

/** A key pair from a fixed 32-byte secret (tests with golden bytes; static keys). */
export function x25519FromSecret (secret: Uint8Array): X25519KeyPair {
  const privateKey = createPrivateKey({ key: Buffer.concat([X25519_PKCS8, secret]), format: 'der', type: 'pkcs8' })
  return { privateKey, publicKey: rawPublic(createPublicKey(privateKey)) }
}

/** X25519(priv, pub); undefined for a malformed or low-order public key. */
export function x25519 (priv: KeyObject, publicKey: Uint8Array): Buffer | undefined {
  if (publicKey.length !== 32) return undefined
  try {
    const out = diffieHellman({ privateKey: priv, publicKey: importPublic('X25519', publicKey) })
    return out.every(b => b === 0) ? undefined : out
  } catch {
    return undefined
  }
}

const montCache = new Map<string, Buffer | undefined>()
const MONT_CACHE_SIZE = 1024

/**
 * The X25519 form of an ed25519 identity key (for IK handshakes); undefined if
 * not a valid point. Cached (≈ 80 µs each in @noble): a node talks to the same
 * contacts again and again.
 */
export function ed25519PublicToX25519 (publicKey: Uint8Array): Buffer | undefined {
  const k = Buffer.from(publicKey).toString('hex')
  if (montCache.has(k)) return montCache.get(k)
  let out: Buffer | undefined
  try { out = Buffer.from(ed25519.utils.toMontgomery(publicKey)) } catch { out = undefined }
  montCache.set(k, out)
  if (montCache.size > MONT_CACHE_SIZE) montCache.delete(montCache.keys().next().value as string)
  return out
}

export function ed25519SecretToX25519 (secretKey: Uint8Array): X25519KeyPair {
  return x25519FromSecret(ed25519.utils.toMontgomerySecret(secretKey))
}

/** A cached native signer for one identity key. */
export function createSigner (secretKey: Uint8Array): (message: Uint8Array) => Buffer {
  const key = createPrivateKey({ key: Buffer.concat([ED25519_PKCS8, secretKey]), format: 'der', type: 'pkcs8' })
  return (message) => nodeSign(null, message, key)
}

/** Never throws: a malformed key or signature is simply not valid. */
export function verifySignature (publicKey: Uint8Array, message: Uint8Array, signature: Uint8Array): boolean {
  if (publicKey.length !== 32 || signature.length !== 64) return false
  try {
    return nodeVerify(null, message, importPublic('Ed25519', publicKey), signature)
  } catch {
    return false
  }
}

export function hkdf (ikm: Uint8Array, salt: Uint8Array, info: string, length: number): Buffer {
  return Buffer.from(hkdfSync('sha256', ikm, salt, info, length))
}

const ALGO = 'chacha20-poly1305'
export const AEAD_TAG_BYTES = 16

/**
 * 96-bit nonce: epoch u32 LE ‖ counter u64 LE. One scratch buffer serves every
 * call: createCipheriv/createDecipheriv copy the IV before they return.
 */
const nonceScratch = Buffer.alloc(12)
function nonce (epoch: number, counter: number): Buffer {
  nonceScratch.writeUInt32LE(epoch >>> 0, 0)
  nonceScratch.writeUInt32LE(counter % 0x100000000, 4)
  nonceScratch.writeUInt32LE(Math.floor(counter / 0x100000000), 8)
  return nonceScratch
}

/** ciphertext ‖ tag. */
export function seal (key: Uint8Array | KeyObject, epoch: number, counter: number, aad: Uint8Array, plaintext: Uint8Array): Buffer {
  const c = createCipheriv(ALGO, key, nonce(epoch, counter), { authTagLength: AEAD_TAG_BYTES })
  c.setAAD(aad, { plaintextLength: plaintext.length })
  const body = c.update(plaintext)
  c.final()
  return Buffer.concat([body, c.getAuthTag()])
}

/**
 * The same AEAD over a plaintext given in pieces (their concatenation), without
 * joining them: returns one ciphertext per non-empty piece, then the tag. ChaCha20
 * is a stream cipher, so the bytes are exactly those `seal` makes of the joined
 * plaintext; a caller hands the pieces to the transport as one scatter/gather
 * datagram, and a 16 KB payload is never copied into a plaintext buffer first.
 */
export function sealPieces (key: Uint8Array | KeyObject, epoch: number, counter: number, aad: Uint8Array,
  pieces: readonly Uint8Array[]): Buffer[] {
  let length = 0
  for (const p of pieces) length += p.length
  const c = createCipheriv(ALGO, key, nonce(epoch, counter), { authTagLength: AEAD_TAG_BYTES })
  c.setAAD(aad, { plaintextLength: length })
  const out: Buffer[] = []
  for (const p of pieces) if (p.length > 0) out.push(c.update(p))
  c.final()
  out.push(c.getAuthTag())
  return out
}

/** The plaintext, or undefined when the tag does not verify. */
export function open (key: Uint8Array | KeyObject, epoch: number, counter: number, aad: Uint8Array, sealed: Uint8Array): Buffer | undefined {
  if (sealed.length < AEAD_TAG_BYTES) return undefined
  try {
    const d = createDecipheriv(ALGO, key, nonce(epoch, counter), { authTagLength: AEAD_TAG_BYTES })
    d.setAAD(aad, { plaintextLength: sealed.length - AEAD_TAG_BYTES })
    d.setAuthTag(sealed.subarray(sealed.length - AEAD_TAG_BYTES))
    const body = d.update(sealed.subarray(0, sealed.length - AEAD_TAG_BYTES))
    d.final()
    return body
  } catch {
    return undefined
  }
}
