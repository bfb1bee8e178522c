import { describe, expect, it } from 'vitest'
import { bitAt, bitsAt, commonPrefixLength, compareDistance, compareIds, idFingerprint, xorDistance } from '../../../src/node/routing/distance.js'
import { Prng } from '../../../src/node/routing/simulator/prng.js'

const prng = new Prng(42)

describe('XOR distance', () => {
  it('common prefix length counts leading equal bits', () => {
    const a = Buffer.alloc(32)
    expect(commonPrefixLength(a, a)).toBe(256)
    const b = Buffer.alloc(32); b[0] = 0x80
    expect(commonPrefixLength(a, b)).toBe(0)
    const c = Buffer.alloc(32); c[2] = 0x10
    expect(commonPrefixLength(a, c)).toBe(19)
    const d = Buffer.alloc(32); d[31] = 1
    expect(commonPrefixLength(a, d)).toBe(255)
  })

  it('compareDistance orders like comparing the XOR values', () => {
    for (let i = 0; i < 200; i++) {
      const t = prng.bytes(32); const a = prng.bytes(32); const b = prng.bytes(32)
      expect(Math.sign(compareDistance(t, a, b))).toBe(Math.sign(compareIds(xorDistance(a, t), xorDistance(b, t))))
      expect(commonPrefixLength(a, t)).toBe(commonPrefixLength(xorDistance(a, t), Buffer.alloc(32)))
    }
  })

  it('reads bits MSB first', () => {
    const x = Buffer.alloc(32); x[0] = 0b1010_0000; x[31] = 0b0000_0011
    expect([bitAt(x, 0), bitAt(x, 1), bitAt(x, 2), bitAt(x, 255)]).toEqual([1, 0, 1, 1])
    expect(bitsAt(x, 0, 3)).toBe(0b101)
    expect(bitsAt(x, 254, 4)).toBe(0b1100) // bits past the end read as 0
  })

  it('fingerprints are the last two id bytes, little-endian', () => {
    const x = Buffer.alloc(32); x[30] = 0x34; x[31] = 0x12
    expect(idFingerprint(x)).toBe(0x1234)
  })
})
