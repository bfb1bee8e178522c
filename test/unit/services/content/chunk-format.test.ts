// Tests for src/node/services/chunks/chunk-format.ts (kept here: this helper owns only that file in chunks/).
import { randomBytes } from 'node:crypto'
import { describe, expect, it } from 'vitest'
import { encryptChunk } from '../../../../src/node/crypto/chunk-cipher.js'
import {
  CHUNK_MAX_BYTES, decodeDescriptor, describeChunk, descriptorBytes, encodeDescriptor, SLICE_BYTES, sliceBounds,
  sliceCount, sliceHashes, verifyChunk, verifySlice
} from '../../../../src/node/services/chunks/chunk-format.js'
import { Reader, tryDecode, Writer } from '../../../../src/node/wire/codec.js'

describe('chunk slices', () => {
  it('cuts a chunk into 64 KiB slices, the last one shorter', () => {
    expect(sliceCount(8)).toBe(1)
    expect(sliceCount(SLICE_BYTES)).toBe(1)
    expect(sliceCount(SLICE_BYTES + 8)).toBe(2)
    expect(sliceCount(CHUNK_MAX_BYTES)).toBe(16)
    expect(sliceBounds(SLICE_BYTES + 8, 1)).toEqual({ start: SLICE_BYTES, end: SLICE_BYTES + 8 })
    expect(() => sliceCount(CHUNK_MAX_BYTES + 8)).toThrow()
    expect(() => sliceCount(12)).toThrow()
    expect(() => sliceBounds(16, 1)).toThrow()
  })

  it('verifies slices arriving out of order from different peers, and rejects bad ones', () => {
    const { cipher } = encryptChunk(randomBytes(200_000))
    const desc = describeChunk(cipher)
    expect(desc.slices.length).toBe(4)
    for (const i of [3, 0, 2, 1]) {
      const { start, end } = sliceBounds(cipher.length, i)
      expect(verifySlice(desc, i, cipher.subarray(start, end))).toBe(true)
    }
    const bad = Buffer.from(cipher.subarray(0, SLICE_BYTES)); bad[5] ^= 1
    expect(verifySlice(desc, 0, bad)).toBe(false)
    expect(verifySlice(desc, 1, cipher.subarray(0, SLICE_BYTES))).toBe(false) // right bytes, wrong place
    expect(verifySlice(desc, 3, cipher.subarray(3 * SLICE_BYTES, cipher.length - 8))).toBe(false) // short
    expect(verifySlice(desc, 4, Buffer.alloc(0))).toBe(false)
    expect(verifySlice(desc, -1, Buffer.alloc(0))).toBe(false)
    expect(verifyChunk(desc, cipher)).toBe(true)
    expect(verifyChunk(desc, Buffer.concat([cipher, Buffer.alloc(8)]))).toBe(false)
    expect(sliceHashes(cipher)).toEqual(desc.slices)
  })

  it('encodes descriptors and rejects malformed ones', () => {
    const { cipher } = encryptChunk(randomBytes(70_000))
    const desc = describeChunk(cipher)
    const w = new Writer()
    encodeDescriptor(w, desc)
    const b = w.finish()
    expect(b.length).toBe(descriptorBytes(cipher.length))
    const dec = (x: Uint8Array): ReturnType<typeof decodeDescriptor> => { const r = new Reader(x, 'descriptor'); const d = decodeDescriptor(r); r.end(); return d }
    expect(dec(b)).toEqual(desc)
    expect(tryDecode(dec, b.subarray(0, b.length - 1))).toBeUndefined()
    expect(tryDecode(dec, Buffer.concat([b, Buffer.of(1)]))).toBeUndefined()
    const badLen = Buffer.from(b); badLen.writeUInt32LE(12, 32)
    expect(tryDecode(dec, badLen)).toBeUndefined()
    const huge = Buffer.from(b); huge.writeUInt32LE(CHUNK_MAX_BYTES + 8, 32)
    expect(tryDecode(dec, huge)).toBeUndefined()
  })
})
