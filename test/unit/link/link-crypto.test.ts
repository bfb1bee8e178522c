import { createPublicKey } from 'node:crypto'
import { describe, expect, it } from 'vitest'
import { generateX25519, x25519, x25519FromSecret } from '../../../src/node/link/link-crypto.js'

describe('link crypto: X25519 ephemerals', () => {
  it('a fresh pair\'s public half is its secret\'s, and two pairs agree on one shared secret', () => {
    for (let i = 0; i < 20; i++) {
      const a = generateX25519()
      const b = generateX25519()
      const exported = Buffer.from(createPublicKey(a.privateKey).export({ format: 'jwk' }).x as string, 'base64url')
      expect(exported.equals(a.publicKey)).toBe(true)
      const ab = x25519(a.privateKey, b.publicKey)
      expect(ab).toBeDefined()
      expect(ab!.equals(x25519(b.privateKey, a.publicKey)!)).toBe(true)
      expect(a.publicKey.equals(b.publicKey)).toBe(false)
    }
  })

  it('agrees with RFC 7748 §6.1 (Alice and Bob)', () => {
    const alice = x25519FromSecret(Buffer.from('77076d0a7318a57d3c16c17251b26645df4c2f87ebc0992ab177fba51db92c2a', 'hex'))
    expect(alice.publicKey.toString('hex')).toBe('8520f0098930a754748b7ddcb43ef75a0dbf3a0d26381af4eba4a98eaa9b4e6a')
    const bobPublic = Buffer.from('de9edb7d7b7dc1b4d35b61c2ece435373f8343c85b78674dadfc7e146f882b4f', 'hex')
    expect(x25519(alice.privateKey, bobPublic)!.toString('hex')).toBe('4a5d9d5ba4ce2de1728e3bf480350f25e07e21c947d19e3376f09b3c1e161742')
  })
})
