import { describe, expect, it } from 'vitest'
import { ed25519 } from '@noble/curves/ed25519.js'
import { generateIdentity, sign, verify, verifyPortable } from '../../../src/node/identity/identity.js'

describe('ed25519 signatures (native) agree with the portable implementation', () => {
  it('signs bytes noble verifies, and verifies what noble signs', () => {
    for (let i = 0; i < 20; i++) {
      const id = generateIdentity()
      const msg = Buffer.from(`message ${i}`)
      const sig = sign(id, msg)
      expect(sig.equals(Buffer.from(ed25519.sign(msg, id.secretKey)))).toBe(true) // ed25519 is deterministic
      expect(verify(id.publicKey, msg, sig)).toBe(true)
      expect(verifyPortable(id.publicKey, msg, sig)).toBe(true)
      const bad = Buffer.from(sig); bad[i % 64] ^= 1
      expect(verify(id.publicKey, msg, bad)).toBe(false)
      expect(verify(id.publicKey, Buffer.from('other'), sig)).toBe(false)
    }
  })

  it('rejects malformed keys and signatures without throwing', () => {
    const id = generateIdentity()
    const sig = sign(id, Buffer.from('x'))
    expect(verify(Buffer.alloc(31), Buffer.from('x'), sig)).toBe(false)
    expect(verify(id.publicKey, Buffer.from('x'), sig.subarray(0, 63))).toBe(false)
    expect(verify(Buffer.alloc(32, 0xff), Buffer.from('x'), sig)).toBe(false)
  })
})
