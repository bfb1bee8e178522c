/**
 * A key/value record: one value under one key in one namespace. Every
 * identity is a namespace (its ed25519 public key); only its owner can sign
 * records in it. Bytes, little-endian:
 *
 *   version   u8 = 1
 *   namespace 32                 owner's ed25519 public key
 *   key       u16 len + bytes    1..256 bytes to be stored (decoder: ≤ 4096)
 *   value     u16 len + bytes    0..1024 bytes to be stored (decoder: ≤ 4096)
 *   sequence  u64                higher replaces lower
 *   expires   u64                ms since the Unix epoch
 *   signature 64                 ed25519 over namespaced(NS.kvRecord, every byte above)
 *
 * The decoder accepts fields up to 4096 bytes so that a replica can answer an
 * oversized record with the precise reason (KV_TOO_LARGE) instead of
 * KV_MALFORMED; anything larger is malformed. The record is stored on the k
 * nodes nearest its location SHA-256(namespace ‖ key) (the namespace has a
 * fixed length, so the concatenation is unambiguous).
 */
import { sha256 } from '../../crypto/hash.js'
import { NS, namespaced } from '../../crypto/namespaces.js'
import { type Identity, PUBLIC_KEY_BYTES, SIGNATURE_BYTES, sign, verify } from '../../identity/identity.js'
import { Reader, WireError, Writer } from '../../wire/codec.js'
import { KvErrorCode, type KvErrorCodeValue } from './errors.js'

export const RECORD_VERSION = 1
export const MAX_KEY_BYTES = 256
export const MAX_VALUE_BYTES = 1024
/** Largest key or value the decoder reads at all. */
export const WIRE_MAX_FIELD_BYTES = 4096
/** Largest encoded record the decoder reads at all. */
export const MAX_ENCODED_RECORD_BYTES = 1 + PUBLIC_KEY_BYTES + 2 * (2 + WIRE_MAX_FIELD_BYTES) + 16 + SIGNATURE_BYTES

export interface KvRecord {
  namespace: Buffer
  key: Buffer
  value: Buffer
  sequence: number
  /** ms since the Unix epoch. */
  expires: number
  signature: Buffer
}

export type UnsignedKvRecord = Omit<KvRecord, 'signature'>

export interface RecordPolicy {
  /** Longest lifetime a replica accepts: expires ≤ now + maxTtlMs + clockSkewMs. */
  maxTtlMs: number
  /** Tolerated difference between the owner's clock and ours. */
  clockSkewMs: number
}

export const DEFAULT_RECORD_POLICY: RecordPolicy = {
  maxTtlMs: 30 * 24 * 3600_000,
  clockSkewMs: 10 * 60_000
}

export function recordLocation (namespace: Uint8Array, key: Uint8Array): Buffer {
  return sha256(namespace, key)
}

function writeBody (w: Writer, r: UnsignedKvRecord): Writer {
  if (r.namespace.length !== PUBLIC_KEY_BYTES) throw new RangeError('namespace must be a 32-byte public key')
  return w.u8(RECORD_VERSION).bytes(r.namespace).bytes16(r.key).bytes16(r.value).u64(r.sequence).u64(r.expires)
}

/** The bytes the signature covers (before namespacing). */
export function signedBody (r: UnsignedKvRecord): Buffer {
  return writeBody(new Writer(64 + r.key.length + r.value.length), r).finish()
}

export function encodeRecord (r: KvRecord): Buffer {
  if (r.signature.length !== SIGNATURE_BYTES) throw new RangeError('signature must be 64 bytes')
  return writeBody(new Writer(128 + r.key.length + r.value.length), r).bytes(r.signature).finish()
}

/** Throws WireError (WIRE_MALFORMED) on anything that is not exactly one record. */
export function decodeRecord (b: Uint8Array): KvRecord {
  if (b.length > MAX_ENCODED_RECORD_BYTES) throw new WireError(`kv record: ${b.length} bytes exceeds ${MAX_ENCODED_RECORD_BYTES}`)
  const r = new Reader(b, 'kv record')
  const version = r.u8()
  if (version !== RECORD_VERSION) throw new WireError(`kv record: unknown version ${version}`)
  const namespace = Buffer.from(r.bytes(PUBLIC_KEY_BYTES))
  const key = Buffer.from(r.bytes16(WIRE_MAX_FIELD_BYTES))
  if (key.length === 0) throw new WireError('kv record: empty key')
  const value = Buffer.from(r.bytes16(WIRE_MAX_FIELD_BYTES))
  const sequence = r.u64()
  const expires = r.u64()
  const signature = Buffer.from(r.bytes(SIGNATURE_BYTES))
  r.end()
  return { namespace, key, value, sequence, expires, signature }
}

export function signRecord (identity: Pick<Identity, 'secretKey' | 'publicKey'>, fields: Omit<UnsignedKvRecord, 'namespace'>): KvRecord {
  return signRecordWith({ publicKey: identity.publicKey, sign: m => sign(identity, m) }, fields)
}

/**
 * A key that signs without handing over its secret: a hidden service's
 * blinded key (its signatures verify with plain ed25519 under publicKey).
 */
export interface RecordSigner {
  publicKey: Buffer
  sign: (message: Buffer) => Buffer
}

/** A record in `signer`'s namespace, signed by it. */
export function signRecordWith (signer: RecordSigner, fields: Omit<UnsignedKvRecord, 'namespace'>): KvRecord {
  const unsigned: UnsignedKvRecord = { namespace: signer.publicKey, ...fields }
  const signature = signer.sign(namespaced(NS.kvRecord, signedBody(unsigned)))
  return { ...unsigned, signature }
}

export function verifyRecordSignature (r: KvRecord): boolean {
  return verify(r.namespace, namespaced(NS.kvRecord, signedBody(r)), r.signature)
}

/**
 * The stateless rules, cheapest first: sizes, expiry, lifetime, signature.
 * Undefined when the record may be stored; otherwise the reason it is refused.
 * (Sequence order needs the held record: see compareRecords and KvStore.)
 */
export function checkRecord (r: KvRecord, now: number, policy: RecordPolicy = DEFAULT_RECORD_POLICY): KvErrorCodeValue | undefined {
  if (r.key.length === 0) return KvErrorCode.MALFORMED
  if (r.key.length > MAX_KEY_BYTES || r.value.length > MAX_VALUE_BYTES) return KvErrorCode.TOO_LARGE
  if (!Number.isSafeInteger(r.sequence) || r.sequence < 0 || !Number.isSafeInteger(r.expires)) return KvErrorCode.MALFORMED
  if (r.expires <= now) return KvErrorCode.EXPIRED
  if (r.expires > now + policy.maxTtlMs + policy.clockSkewMs) return KvErrorCode.TTL_TOO_LONG
  if (!verifyRecordSignature(r)) return KvErrorCode.BAD_SIGNATURE
  return undefined
}

/**
 * Total order on two records of one location: higher sequence wins; at equal
 * sequence the later expiry (an owner refreshing a record re-signs it with a
 * new expiry); then the larger SHA-256 of the encoding, so that two different
 * records an owner signed with the same numbers are still ordered the same way
 * on every node. Positive when `a` is newer than `b`, 0 when they are equal.
 */
export function compareRecords (a: KvRecord, b: KvRecord): number {
  if (a.sequence !== b.sequence) return a.sequence > b.sequence ? 1 : -1
  if (a.expires !== b.expires) return a.expires > b.expires ? 1 : -1
  return Buffer.compare(sha256(encodeRecord(a)), sha256(encodeRecord(b)))
}
