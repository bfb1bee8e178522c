import { ed25519 } from '@noble/curves/ed25519.js'
import { createPrivateKey, createPublicKey, sign as nativeSign, verify as nativeVerify, type KeyObject } from 'node:crypto'
import { sha256 } from '../crypto/hash.js'

/**
 * A Tornet identity: an ed25519 key pair, its node id SHA-256(publicKey), and a
 * proof-of-work nonce whose rank is the number of leading zero bits of
 * SHA-256(publicKey ‖ nonce). The nonce is 8 bytes (the miner's counter, LE).
 */
export interface Identity {
  publicKey: Buffer // 32
  secretKey: Buffer // 32
  nonce: Buffer // 8
  id: Buffer // 32 = SHA-256(publicKey)
  rank: number
}

export const PUBLIC_KEY_BYTES = 32
export const SIGNATURE_BYTES = 64
export const NONCE_BYTES = 8

export function nodeIdOf (publicKey: Uint8Array): Buffer {
  return sha256(publicKey)
}

export function leadingZeroBits (h: Uint8Array): number {
  let n = 0
  for (let i = 0; i < h.length; i++) {
    const b = h[i]
    if (b === 0) { n += 8; continue }
    return n + Math.clz32(b) - 24
  }
  return n
}

export function rankOf (publicKey: Uint8Array, nonce: Uint8Array): number {
  return leadingZeroBits(sha256(publicKey, nonce))
}

/** A fresh key pair with nonce 0 (its rank is whatever that happens to give). */
export function generateIdentity (): Identity {
  const { secretKey, publicKey } = ed25519.keygen()
  return identityFromKeys(Buffer.from(secretKey), Buffer.from(publicKey), Buffer.alloc(NONCE_BYTES))
}

export function identityFromKeys (secretKey: Buffer, publicKey: Buffer, nonce: Buffer): Identity {
  return { publicKey, secretKey, nonce, id: nodeIdOf(publicKey), rank: rankOf(publicKey, nonce) }
}

/*
 * Keys are generated with @noble/curves; signing and verifying run on
 * node:crypto's native ed25519 (about 15x faster than the pure-JS path here,
 * and verification sits on every handshake and signed record). Raw 32-byte
 * keys become KeyObjects through their fixed DER prefixes (RFC 8410), cached.
 */
const SPKI_PREFIX = Buffer.from('302a300506032b6570032100', 'hex')
const PKCS8_PREFIX = Buffer.from('302e020100300506032b657004220420', 'hex')
const keyCache = new Map<string, KeyObject>()
const KEY_CACHE_MAX = 4096

function cachedKey (kind: 'pub' | 'sec', raw: Uint8Array): KeyObject {
  const id = kind + Buffer.from(raw).toString('base64')
  let k = keyCache.get(id)
  if (k === undefined) {
    k = kind === 'pub'
      ? createPublicKey({ key: Buffer.concat([SPKI_PREFIX, raw]), format: 'der', type: 'spki' })
      : createPrivateKey({ key: Buffer.concat([PKCS8_PREFIX, raw]), format: 'der', type: 'pkcs8' })
    if (keyCache.size >= KEY_CACHE_MAX) keyCache.delete(keyCache.keys().next().value as string)
    keyCache.set(id, k)
  }
  return k
}

export function sign (identity: Pick<Identity, 'secretKey'>, message: Uint8Array): Buffer {
  return nativeSign(null, message, cachedKey('sec', identity.secretKey))
}

/** Never throws: a malformed key or signature is simply not valid. */
export function verify (publicKey: Uint8Array, message: Uint8Array, signature: Uint8Array): boolean {
  if (publicKey.length !== PUBLIC_KEY_BYTES || signature.length !== SIGNATURE_BYTES) return false
  try {
    return nativeVerify(null, message, cachedKey('pub', publicKey), signature)
  } catch {
    return false
  }
}

/** The pure-JS verifier, kept for cross-checking the native one in tests. */
export function verifyPortable (publicKey: Uint8Array, message: Uint8Array, signature: Uint8Array): boolean {
  if (publicKey.length !== PUBLIC_KEY_BYTES || signature.length !== SIGNATURE_BYTES) return false
  try {
    return ed25519.verify(signature, message, publicKey)
  } catch {
    return false
  }
}

export const SECRET_KEY_BYTES = 32

/** The ed25519 public key of a 32-byte secret key; undefined when the secret is malformed. */
export function publicKeyFromSecret (secretKey: Uint8Array): Buffer | undefined {
  if (secretKey.length !== SECRET_KEY_BYTES) return undefined
  try {
    return Buffer.from(ed25519.getPublicKey(secretKey))
  } catch {
    return undefined
  }
}
