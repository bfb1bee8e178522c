import { describe, expect, it } from 'vitest'
import { CHUNK_META_BYTES, decodeChunkMeta, encodeChunkMeta } from '../../../src/node/store/chunk-meta-codec.js'
import { tryDecode } from '../../../src/node/wire/codec.js'

const sample = { placement: 'cache' as const, size: 1048576, score: 2.5, at: 1_700_000_000_123 }
// version 1, placement 1, size 0x00100000, f64 2.5, u64 at — little-endian
const GOLDEN = '01' + '01' + '00001000' + '0000000000000440' + '7b68e5cf8b010000'

describe('chunk meta codec', () => {
  it('encodes to the documented fixed layout', () => {
    const b = encodeChunkMeta(sample)
    expect(b.length).toBe(CHUNK_META_BYTES)
    expect(b.toString('hex')).toBe(GOLDEN)
  })

  it('round trips both placements', () => {
    expect(decodeChunkMeta(encodeChunkMeta(sample))).toEqual(sample)
    const local = { placement: 'local' as const, size: 1, score: 0, at: 0 }
    expect(decodeChunkMeta(encodeChunkMeta(local))).toEqual(local)
  })

  it('rejects every truncation, trailing bytes, unknown versions and placements, bad scores', () => {
    const good = Buffer.from(GOLDEN, 'hex')
    for (let n = 0; n < good.length; n++) expect(tryDecode(decodeChunkMeta, good.subarray(0, n))).toBeUndefined()
    expect(tryDecode(decodeChunkMeta, Buffer.concat([good, Buffer.from([0])]))).toBeUndefined()
    const v = Buffer.from(good); v[0] = 2
    expect(tryDecode(decodeChunkMeta, v)).toBeUndefined()
    const p = Buffer.from(good); p[1] = 2
    expect(tryDecode(decodeChunkMeta, p)).toBeUndefined()
    for (const bad of [Number.NaN, -1, Number.POSITIVE_INFINITY]) {
      const s = Buffer.from(good); s.writeDoubleLE(bad, 6)
      expect(tryDecode(decodeChunkMeta, s)).toBeUndefined()
    }
  })
})
