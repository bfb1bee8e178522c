import { createHash } from 'node:crypto'
import { ed25519 } from '@noble/curves/ed25519.js'
import { sha256 } from '../../crypto/hash.js'
import { TunnelError, TunnelErrorCode } from './errors.js'

/**
 * Ed25519 key blinding for hidden-service descriptors, in the manner of Tor's
 * rend-spec-v3 §A.2 (written here from the description, not ported): for each
 * time period the service publishes under A' = h·A, where
 *
 *   h = SHA-256("tornet hs blind v1" ‖ A ‖ period u64 LE) mod L
 *
 * Whoever knows A (a client with the .tor-net name) computes A'; a kv replica
 * that sees only A' cannot link it to A or to another day's A'. The service
 * signs with the blinded scalar a' = h·a mod L (a from the RFC 8032 expansion
 * of its seed), so signatures verify with plain ed25519 under A':
 *
 *   prefix' = SHA-512("tornet hs blind prefix v1" ‖ prefix ‖ h)[0..32]
 *   r = SHA-512(prefix' ‖ M) mod L,  R = r·B,  S = r + SHA-512(R ‖ A' ‖ M)·a' mod L
 */

const DAY_MS = 86_400_000
const BLIND_DOMAIN = Buffer.from('tornet hs blind v1')
const PREFIX_DOMAIN = Buffer.from('tornet hs blind prefix v1')
const Point = ed25519.Point
const Fn = Point.Fn

/** The blinding period: the UTC day number. */
export function timePeriod (nowMs: number): number {
  return Math.floor(nowMs / DAY_MS)
}

/** A period as the 8 bytes (u64 LE) every derivation from it hashes. */
export function periodBytes (period: number): Buffer {
  if (!Number.isSafeInteger(period) || period < 0) {
    throw new TunnelError(TunnelErrorCode.INVALID_ARGUMENT, `period ${period} is not a UTC day number (see timePeriod)`)
  }
  const b = Buffer.alloc(8)
  b.writeBigUInt64LE(BigInt(period))
  return b
}

function leScalar (bytes: Uint8Array): bigint {
  return Fn.create(BigInt('0x' + Buffer.from(bytes).reverse().toString('hex')))
}

function blindingFactor (publicKey: Uint8Array, period: number): bigint {
  const h = leScalar(sha256(BLIND_DOMAIN, publicKey, periodBytes(period)))
  if (h === 0n) throw new TunnelError(TunnelErrorCode.INVALID_ARGUMENT, 'blinding: degenerate factor; use the next period')
  return h
}

/** A service key as a point of the prime-order subgroup; anything else cannot be blinded safely. */
function servicePoint (publicKey: Uint8Array): InstanceType<typeof Point> {
  let A: InstanceType<typeof Point>
  try {
    if (publicKey.length !== 32) throw new Error('length')
    A = Point.fromBytes(publicKey)
  } catch {
    throw new TunnelError(TunnelErrorCode.INVALID_ARGUMENT, 'blinding: the service key is not an ed25519 public key; check the .tor-net name')
  }
  if (A.isSmallOrder() || !A.isTorsionFree()) {
    throw new TunnelError(TunnelErrorCode.INVALID_ARGUMENT, 'blinding: the service key is a small-order point; check the .tor-net name')
  }
  return A
}

/** A' for `period`: where the descriptor lives in kv, and the key its signature verifies under. */
export function blindedPublicKey (servicePublicKey: Buffer, period: number): Buffer {
  const A = servicePoint(servicePublicKey)
  return Buffer.from(A.multiply(blindingFactor(servicePublicKey, period)).toBytes())
}

export interface BlindedSigner {
  publicKey: Buffer
  sign: (message: Buffer) => Buffer
}

/** Signs as A' for `period`, from the service's 32-byte ed25519 seed (as Identity holds it). */
export function blindedSigner (serviceSecretKey: Buffer, period: number): BlindedSigner {
  if (serviceSecretKey.length !== 32) {
    throw new TunnelError(TunnelErrorCode.INVALID_ARGUMENT, `blinding: secret key of ${serviceSecretKey.length} bytes, need 32`)
  }
  const { scalar, prefix, pointBytes } = ed25519.utils.getExtendedPublicKey(serviceSecretKey)
  const h = blindingFactor(pointBytes, period)
  const blindedScalar = Fn.mul(h, scalar)
  const publicKey = Buffer.from(Point.BASE.multiply(blindedScalar).toBytes())
  const hBytes = Buffer.from(Fn.toBytes(h))
  const blindedPrefix = createHash('sha512').update(PREFIX_DOMAIN).update(prefix).update(hBytes).digest().subarray(0, 32)
  const sign = (message: Buffer): Buffer => {
    const r = leScalar(createHash('sha512').update(blindedPrefix).update(message).digest())
    // r = 0 has probability 2^-252; a zero scalar is not allowed by multiply, and R = identity would be a weak signature.
    if (r === 0n) throw new TunnelError(TunnelErrorCode.INVALID_ARGUMENT, 'blinding: degenerate nonce; change the message')
    const R = Buffer.from(Point.BASE.multiply(r).toBytes())
    const k = leScalar(createHash('sha512').update(R).update(publicKey).update(message).digest())
    const S = Fn.add(r, Fn.mul(k, blindedScalar))
    return Buffer.concat([R, Buffer.from(Fn.toBytes(S))])
  }
  return { publicKey, sign }
}
