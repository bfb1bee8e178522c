import { describe, expect, it } from 'vitest'
import { bucketIndex, bucketOf, randomIdInBucket } from '../../../src/node/routing/bucket-layout.js'
import { Prng } from '../../../src/node/routing/simulator/prng.js'

describe('bucket layout', () => {
  it('places ids by common prefix and the refinement bits after it', () => {
    const self = Buffer.alloc(32)
    const id = Buffer.alloc(32); id[0] = 0b0010_1100 // differs at bit 2; next two bits are 01
    expect(bucketOf(self, id, 2)).toEqual({ level: 2, sub: 0b01 })
    expect(bucketOf(self, id, 0)).toEqual({ level: 2, sub: 0 })
    expect(bucketOf(self, self, 2)).toBeUndefined()
    expect(bucketIndex({ level: 2, sub: 1 }, 2)).toBe(9)
  })

  it('a random id for a bucket falls into that bucket', () => {
    const prng = new Prng(3)
    const self = prng.bytes(32)
    for (let level = 0; level < 256; level += 7) {
      for (let sub = 0; sub < 4; sub++) {
        const id = randomIdInBucket(self, { level, sub }, 2, prng.bytes(32))
        const got = bucketOf(self, id, 2)
        expect(got?.level).toBe(level)
        if (level < 253) expect(got?.sub).toBe(sub)
      }
    }
  })
})
