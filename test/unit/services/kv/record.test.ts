import { describe, expect, it } from 'vitest'
import { NS, namespaced } from '../../../../src/node/crypto/namespaces.js'
import { generateIdentity, identityFromKeys, publicKeyFromSecret, sign } from '../../../../src/node/identity/identity.js'
import { KvErrorCode } from '../../../../src/node/services/kv/errors.js'
import {
  DEFAULT_RECORD_POLICY, type KvRecord, checkRecord, compareRecords, decodeRecord, encodeRecord,
  recordLocation, signRecord, signedBody
} from '../../../../src/node/services/kv/record.js'
import { sha256 } from '../../../../src/node/crypto/hash.js'
import { tryDecode } from '../../../../src/node/wire/codec.js'

const NOW = 1_700_000_000_000
const secret = Buffer.alloc(32, 7)
const owner = identityFromKeys(secret, publicKeyFromSecret(secret)!, Buffer.alloc(8))

function record (fields: Partial<Omit<KvRecord, 'namespace' | 'signature'>> = {}): KvRecord {
  return signRecord(owner, { key: Buffer.from('greeting'), value: Buffer.from('hello'), sequence: 5, expires: NOW + 60_000, ...fields })
}

describe('kv record codec', () => {
  it('round-trips', () => {
    const r = record({ value: Buffer.alloc(1024, 1), key: Buffer.alloc(256, 2) })
    expect(decodeRecord(encodeRecord(r))).toEqual(r)
  })

  it('matches the golden bytes (a change here breaks the wire format)', () => {
    const hex = encodeRecord(record()).toString('hex')
    expect(hex.slice(0, 2)).toBe('01')
    expect(hex).toBe(GOLDEN)
  })

  it('rejects every truncation, trailing bytes, a bad version, an empty key and oversized fields', () => {
    const bytes = encodeRecord(record())
    for (let n = 0; n < bytes.length; n++) expect(tryDecode(decodeRecord, bytes.subarray(0, n))).toBeUndefined()
    expect(tryDecode(decodeRecord, Buffer.concat([bytes, Buffer.of(0)]))).toBeUndefined()
    const badVersion = Buffer.from(bytes); badVersion[0] = 2
    expect(tryDecode(decodeRecord, badVersion)).toBeUndefined()
    const emptyKey = encodeRecord(record({ key: Buffer.alloc(0) }))
    expect(tryDecode(decodeRecord, emptyKey)).toBeUndefined()
    const huge = encodeRecord(record({ value: Buffer.alloc(5000) }))
    expect(tryDecode(decodeRecord, huge)).toBeUndefined()
  })

  it('locates a record at SHA-256(namespace ‖ key)', () => {
    const r = record()
    expect(recordLocation(r.namespace, r.key)).toEqual(sha256(Buffer.concat([owner.publicKey, Buffer.from('greeting')])))
  })
})

describe('kv record rules', () => {
  it('accepts a well-formed, signed, live record', () => {
    expect(checkRecord(record(), NOW)).toBeUndefined()
  })

  it('refuses a tampered value, a foreign signer and a signature from another namespace tag', () => {
    const r = record()
    expect(checkRecord({ ...r, value: Buffer.from('hellO') }, NOW)).toBe(KvErrorCode.BAD_SIGNATURE)
    expect(checkRecord({ ...r, sequence: 6 }, NOW)).toBe(KvErrorCode.BAD_SIGNATURE)
    const mallory = generateIdentity()
    const forged = { ...r, signature: signRecord(mallory, r).signature }
    expect(checkRecord(forged, NOW)).toBe(KvErrorCode.BAD_SIGNATURE)
    const wrongTag = { ...r, signature: sign(owner, namespaced(NS.nameRegistration, signedBody(r))) }
    expect(checkRecord(wrongTag, NOW)).toBe(KvErrorCode.BAD_SIGNATURE)
  })

  it('refuses an expired record and one that would live longer than the policy allows', () => {
    expect(checkRecord(record({ expires: NOW }), NOW)).toBe(KvErrorCode.EXPIRED)
    expect(checkRecord(record({ expires: NOW - 1 }), NOW)).toBe(KvErrorCode.EXPIRED)
    const { maxTtlMs, clockSkewMs } = DEFAULT_RECORD_POLICY
    expect(checkRecord(record({ expires: NOW + maxTtlMs + clockSkewMs }), NOW)).toBeUndefined()
    expect(checkRecord(record({ expires: NOW + maxTtlMs + clockSkewMs + 1 }), NOW)).toBe(KvErrorCode.TTL_TOO_LONG)
  })

  it('takes a 1024-byte value and a 256-byte key, refuses 1025 and 257', () => {
    expect(checkRecord(record({ value: Buffer.alloc(1024) }), NOW)).toBeUndefined()
    expect(checkRecord(record({ value: Buffer.alloc(1025) }), NOW)).toBe(KvErrorCode.TOO_LARGE)
    expect(checkRecord(record({ key: Buffer.alloc(256, 1) }), NOW)).toBeUndefined()
    expect(checkRecord(record({ key: Buffer.alloc(257, 1) }), NOW)).toBe(KvErrorCode.TOO_LARGE)
    // A 1025-byte value still decodes, so that a replica can give the precise reason.
    const decoded = decodeRecord(encodeRecord(record({ value: Buffer.alloc(1025) })))
    expect(checkRecord(decoded, NOW)).toBe(KvErrorCode.TOO_LARGE)
  })
})

describe('compareRecords', () => {
  it('orders by sequence, then expiry, then hash, and is antisymmetric', () => {
    const a = record({ sequence: 1, expires: NOW + 9_000 })
    const b = record({ sequence: 2, expires: NOW + 1_000 })
    expect(compareRecords(b, a)).toBeGreaterThan(0)
    expect(compareRecords(a, b)).toBeLessThan(0)
    const c = record({ sequence: 2, expires: NOW + 2_000 })
    expect(compareRecords(c, b)).toBeGreaterThan(0)
    const d = record({ sequence: 2, expires: NOW + 2_000, value: Buffer.from('other') })
    expect(Math.sign(compareRecords(c, d))).toBe(-Math.sign(compareRecords(d, c)))
    expect(compareRecords(c, d)).not.toBe(0)
    expect(compareRecords(c, record({ sequence: 2, expires: NOW + 2_000 }))).toBe(0)
  })
})

// version · namespace · key (u16 + 'greeting') · value (u16 + 'hello') · sequence 5 · expires · signature
const GOLDEN = [
  '01',
  'ea4a6c63e29c520abef5507b132ec5f9954776aebebe7b92421eea691446d22c',
  '08006772656574696e67',
  '050068656c6c6f',
  '0500000000000000',
  '6052e6cf8b010000',
  'd827cfd0c094326863a502b63b95a6250c86436dd251dc1d328d4c5e14e9598fcec952f735951ed9fa78a1d771e16557d0ce9ecf51bdd2918a4004ec63686602'
].join('')
