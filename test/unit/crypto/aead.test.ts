import { createCipheriv, randomBytes } from 'node:crypto'
import { describe, expect, it } from 'vitest'
import { aeadOpen, aeadOpenDetached, aeadSeal, aeadSealDetached, AEAD_TAG_BYTES } from '../../../src/node/crypto/aead.js'

/** RFC 8439 §2.8.2 test vector (AEAD_CHACHA20_POLY1305). */
const RFC = {
  key: Buffer.from('808182838485868788898a8b8c8d8e8f909192939495969798999a9b9c9d9e9f', 'hex'),
  nonce: Buffer.from('070000004041424344454647', 'hex'),
  ad: Buffer.from('50515253c0c1c2c3c4c5c6c7', 'hex'),
  plaintext: Buffer.from("Ladies and Gentlemen of the class of '99: If I could offer you only one tip for the future, sunscreen would be it."),
  tag: '1ae10b594f09e26a7e902ecbd0600691'
}

describe('aead (libsodium ChaCha20-Poly1305 IETF)', () => {
  it('matches RFC 8439 §2.8.2 and round-trips', () => {
    const sealed = aeadSeal(RFC.key, RFC.nonce, RFC.plaintext, RFC.ad)
    expect(sealed.subarray(0, 16).toString('hex')).toBe('d31a8d34648e60db7b86afbc53ef7ec2')
    expect(sealed.subarray(sealed.length - AEAD_TAG_BYTES).toString('hex')).toBe(RFC.tag)
    expect(aeadOpen(RFC.key, RFC.nonce, sealed, RFC.ad)?.equals(RFC.plaintext)).toBe(true)
  })

  it('gives the same bytes as node:crypto chacha20-poly1305', () => {
    const key = randomBytes(32); const nonce = randomBytes(12); const ad = randomBytes(20); const m = randomBytes(1150)
    const c = createCipheriv('chacha20-poly1305', key, nonce, { authTagLength: 16 })
    c.setAAD(ad, { plaintextLength: m.length })
    const expected = Buffer.concat([c.update(m), c.final(), c.getAuthTag()])
    expect(aeadSeal(key, nonce, m, ad).equals(expected)).toBe(true)
  })

  it('refuses a flipped bit, a wrong ad, a short input; seals and opens in place', () => {
    const key = randomBytes(32); const nonce = randomBytes(12); const m = randomBytes(64)
    const sealed = aeadSeal(key, nonce, m, Buffer.from('ad'))
    const bad = Buffer.from(sealed); bad[3] ^= 1
    expect(aeadOpen(key, nonce, bad, Buffer.from('ad'))).toBeUndefined()
    expect(aeadOpen(key, nonce, sealed, Buffer.from('AD'))).toBeUndefined()
    expect(aeadOpen(key, nonce, sealed.subarray(0, 15))).toBeUndefined()
    const buf = Buffer.from(m); const tag = Buffer.alloc(16)
    aeadSealDetached(key, nonce, buf, null, buf, tag)
    expect(buf.equals(m)).toBe(false)
    expect(aeadOpenDetached(key, nonce, buf, null, tag, buf)).toBe(true)
    expect(buf.equals(m)).toBe(true)
    expect(() => aeadSeal(randomBytes(31), nonce, m)).toThrow(RangeError)
  })
})
