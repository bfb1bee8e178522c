import { describe, expect, it } from 'vitest'
import { randomBytes } from 'node:crypto'
import { base32Decode, base32Encode, base32Length } from '../../../src/node/wire/base32.js'

describe('base32 (RFC 4648, lower case, unpadded)', () => {
  it('matches the RFC 4648 section 10 vectors', () => {
    // RFC 4648 §10 test vectors, padding removed and lower-cased.
    const vectors: Array<[string, string]> = [['', ''], ['f', 'my'], ['fo', 'mzxq'], ['foo', 'mzxw6'], ['foob', 'mzxw6yq'], ['fooba', 'mzxw6ytb'], ['foobar', 'mzxw6ytboi']]
    for (const [plain, enc] of vectors) {
      expect(base32Encode(Buffer.from(plain))).toBe(enc)
      expect(base32Decode(enc)?.toString()).toBe(plain)
      expect(base32Decode(enc.toUpperCase())?.toString()).toBe(plain)
    }
  })

  it('round-trips random bytes and refuses bad digits and leftover bits', () => {
    for (let n = 0; n < 40; n++) {
      const b = randomBytes(n)
      const s = base32Encode(b)
      expect(s.length).toBe(base32Length(n))
      expect(base32Decode(s)?.equals(b)).toBe(true)
    }
    expect(base32Decode('my1')).toBeUndefined()
    expect(base32Decode('m=')).toBeUndefined()
    expect(base32Decode('mz')).toBeUndefined() // 'f' is 'my'; 'mz' sets a leftover bit
    expect(base32Length(32)).toBe(52)
  })
})
