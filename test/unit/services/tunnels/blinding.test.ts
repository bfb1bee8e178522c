import { createHash } from 'node:crypto'
import { ed25519 } from '@noble/curves/ed25519.js'
import { describe, expect, it } from 'vitest'
import { generateIdentity, verify, verifyPortable } from '../../../../src/node/identity/identity.js'
import { blindedPublicKey, blindedSigner, timePeriod } from '../../../../src/node/services/tunnels/blinding.js'

describe('key blinding', () => {
  it('the time period is the UTC day number', () => {
    expect(timePeriod(0)).toBe(0)
    expect(timePeriod(Date.UTC(2026, 11, 6, 23, 59, 59, 999))).toBe(timePeriod(Date.UTC(2026, 11, 6)))
    expect(timePeriod(Date.UTC(2026, 11, 7))).toBe(timePeriod(Date.UTC(2026, 11, 6)) + 1)
    expect(timePeriod(Date.UTC(1970, 0, 2))).toBe(1)
  })

  it('a blinded signature verifies with plain ed25519 (native and portable) under the blinded key', () => {
    const service = generateIdentity()
    const period = timePeriod(Date.UTC(2026, 11, 6))
    const signer = blindedSigner(service.secretKey, period)
    expect(signer.publicKey).toEqual(blindedPublicKey(service.publicKey, period))
    for (const text of ['', 'descriptor', 'x'.repeat(1000)]) {
      const m = Buffer.from(text)
      const sig = signer.sign(m)
      expect(sig.length).toBe(64)
      expect(verify(signer.publicKey, m, sig)).toBe(true)
      expect(verifyPortable(signer.publicKey, m, sig)).toBe(true)
      // Deterministic like ed25519: same message, same signature.
      expect(signer.sign(m)).toEqual(sig)
      // Not under the service key, not for another message.
      expect(verify(service.publicKey, m, sig)).toBe(false)
      expect(verify(signer.publicKey, Buffer.concat([m, Buffer.from('!')]), sig)).toBe(false)
    }
  })

  it('the blinded key changes every period, differs from the service key, and a wrong period fails', () => {
    const service = generateIdentity()
    const p = 20_000
    const keys = [p, p + 1, p + 2].map(q => blindedPublicKey(service.publicKey, q))
    expect(new Set(keys.map(k => k.toString('hex'))).size).toBe(3)
    for (const k of keys) {
      expect(k.equals(service.publicKey)).toBe(false)
      expect(() => ed25519.Point.fromBytes(k).assertValidity()).not.toThrow()
    }
    const m = Buffer.from('published for period p')
    const sig = blindedSigner(service.secretKey, p).sign(m)
    expect(verify(keys[0], m, sig)).toBe(true)
    expect(verify(keys[1], m, sig)).toBe(false)
    // Another service's blinded key for the same period is unrelated.
    expect(blindedPublicKey(generateIdentity().publicKey, p).equals(keys[0])).toBe(false)
  })

  it('golden: a fixed seed and period give a fixed blinded key (recomputed as h·A with @noble)', () => {
    const seed = Buffer.alloc(32, 0x5e)
    const A = Buffer.from(ed25519.getPublicKey(seed))
    const blinded = blindedPublicKey(A, 20_428)
    expect(blindedSigner(seed, 20_428).publicKey).toEqual(blinded)
    expect(blinded.toString('hex')).toBe('42b6dca990021d8244c6bba71d5b0f018d5cdff7e145ee1cf13d10bea973c55f')
    // The spec in blinding.ts, step by step: h = SHA-256(domain ‖ A ‖ period u64 LE) mod L, A' = h·A.
    const period = Buffer.alloc(8); period.writeBigUInt64LE(20_428n)
    const digest = createHash('sha256').update('tornet hs blind v1').update(A).update(period).digest()
    const h = BigInt('0x' + Buffer.from(digest).reverse().toString('hex')) % ed25519.Point.Fn.ORDER
    expect(Buffer.from(ed25519.Point.fromBytes(A).multiply(h).toBytes())).toEqual(blinded)
  })

  it('refuses keys that are not usable points', () => {
    expect(() => blindedPublicKey(Buffer.alloc(31), 1)).toThrow(expect.objectContaining({ code: 'TUNNEL_INVALID_ARGUMENT' }))
    const identityPoint = Buffer.from(ed25519.Point.ZERO.toBytes())
    expect(() => blindedPublicKey(identityPoint, 1)).toThrow(expect.objectContaining({ code: 'TUNNEL_INVALID_ARGUMENT' }))
    expect(() => blindedPublicKey(generateIdentity().publicKey, -1)).toThrow(expect.objectContaining({ code: 'TUNNEL_INVALID_ARGUMENT' }))
    expect(() => blindedSigner(Buffer.alloc(16), 1)).toThrow(expect.objectContaining({ code: 'TUNNEL_INVALID_ARGUMENT' }))
  })
})
