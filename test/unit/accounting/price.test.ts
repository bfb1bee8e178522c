import { describe, expect, it } from 'vitest'
import { MAX_BYTE_PRICE, chunkBytePrice, chunkPrice, cheapestFirst } from '../../../src/node/accounting/price.js'

const id = (bytes: Record<number, number>): Buffer => { const b = Buffer.alloc(32); for (const [i, v] of Object.entries(bytes)) b[Number(i)] = v; return b }

describe('chunk prices: bytes × (256 − ⌊log2(NID ⊕ CID)⌋)', () => {
  it('costs 1 per byte from the farthest node and 256 from the chunk\'s own id', () => {
    expect(chunkBytePrice(id({}), id({ 0: 0x80 }))).toBe(1) // xor = 2^255
    expect(chunkBytePrice(id({}), id({ 0: 0xff }))).toBe(1)
    expect(chunkBytePrice(id({}), id({ 0: 0x01 }))).toBe(256 - 248)
    expect(chunkBytePrice(id({}), id({ 31: 0x80 }))).toBe(256 - 7)
    expect(chunkBytePrice(id({}), id({ 31: 0x01 }))).toBe(256) // log2(1) = 0
    expect(chunkBytePrice(id({ 5: 9 }), id({ 5: 9 }))).toBe(MAX_BYTE_PRICE) // same id
  })

  it('depends only on the distance, and grows as the node nears the chunk', () => {
    const chunk = id({ 0: 0xaa, 7: 0x55 })
    let last = 0
    for (let bit = 255; bit >= 0; bit--) {
      const node = Buffer.from(chunk)
      node[31 - (bit >> 3)] ^= 1 << (bit & 7)
      const p = chunkBytePrice(node, chunk)
      expect(p).toBe(256 - bit)
      expect(p).toBeGreaterThan(last)
      last = p
    }
    expect(chunkPrice(id({}), id({ 31: 2 }), 1000)).toBe(1000 * 255)
  })

  it('refuses ids of the wrong size and bad byte counts with a code', () => {
    expect(() => chunkBytePrice(Buffer.alloc(20), Buffer.alloc(32))).toThrow(expect.objectContaining({ code: 'ACCOUNTING_INVALID_ARGUMENT' }))
    expect(() => chunkPrice(Buffer.alloc(32), Buffer.alloc(32), -1)).toThrow(expect.objectContaining({ code: 'ACCOUNTING_INVALID_ARGUMENT' }))
  })

  it('orders providers cheapest first, equal prices in the given order', () => {
    const chunk = id({ 0: 0x40 })
    const source = { id: id({ 0: 0x40, 31: 1 }), name: 'source' } // price 256
    const farA = { id: id({ 0: 0xc0 }), name: 'farA' } // 1
    const near = { id: id({ 0: 0x41 }), name: 'near' } // 256 − 248
    const farB = { id: id({ 0: 0x80 }), name: 'farB' } // 1
    expect(cheapestFirst(chunk, [source, farA, near, farB]).map(p => p.name)).toEqual(['farA', 'farB', 'near', 'source'])
  })
})
