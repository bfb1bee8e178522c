import { describe, expect, it } from 'vitest'
import { leadingZeroBits, rankOf } from '../../../src/node/identity/identity.js'
import { nonceFromCounter, verifyRankProof } from '../../../src/node/identity/miner.js'

// Pinned once from an independent computation (node:crypto createHash over key ‖ nonce, counted
// bit by bit). The key need not be a curve point: the rank only hashes its bytes.
const KEY = Buffer.from(Array.from({ length: 32 }, (_, i) => i)) // 00 01 02 … 1f
const VECTORS: Array<{ counter: number, rank: number }> = [
  { counter: 0, rank: 0 }, // SHA-256 = a9d6e500…
  { counter: 1, rank: 5 },
  { counter: 67, rank: 9 },
  { counter: 1048, rank: 12 },
  { counter: 96585, rank: 23 }
]

describe('rank', () => {
  it('counts leading zero bits', () => {
    expect(leadingZeroBits(Buffer.from('ff', 'hex'))).toBe(0)
    expect(leadingZeroBits(Buffer.from('7f', 'hex'))).toBe(1)
    expect(leadingZeroBits(Buffer.from('01', 'hex'))).toBe(7)
    expect(leadingZeroBits(Buffer.from('0080', 'hex'))).toBe(8)
    expect(leadingZeroBits(Buffer.from('000001', 'hex'))).toBe(23)
    expect(leadingZeroBits(Buffer.alloc(32))).toBe(256)
  })

  it('encodes the nonce counter as 8 little-endian bytes', () => {
    expect(nonceFromCounter(96585, 0).toString('hex')).toBe('4979010000000000')
    expect(nonceFromCounter(0xffffffff, 1).toString('hex')).toBe('ffffffff01000000')
  })

  it.each(VECTORS)('key 00..1f, counter $counter has rank $rank', ({ counter, rank }) => {
    expect(rankOf(KEY, nonceFromCounter(counter, 0))).toBe(rank)
  })

  it('verifyRankProof accepts up to the proven rank and not one bit more', () => {
    const nonce = nonceFromCounter(96585, 0)
    expect(verifyRankProof(KEY, nonce, 0)).toBe(true)
    expect(verifyRankProof(KEY, nonce, 23)).toBe(true)
    expect(verifyRankProof(KEY, nonce, 24)).toBe(false)
    expect(verifyRankProof(KEY, nonceFromCounter(1, 0), 6)).toBe(false)
  })

  it('verifyRankProof rejects malformed keys and nonces without throwing', () => {
    const nonce = nonceFromCounter(96585, 0)
    expect(verifyRankProof(KEY.subarray(0, 31), nonce, 0)).toBe(false)
    expect(verifyRankProof(KEY, nonce.subarray(0, 7), 0)).toBe(false)
    expect(verifyRankProof(KEY, Buffer.concat([nonce, Buffer.alloc(1)]), 0)).toBe(false)
  })
})
