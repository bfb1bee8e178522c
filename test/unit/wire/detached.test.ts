import { describe, expect, it } from 'vitest'
import { detachedCopy, packed } from '../../../src/node/wire/detached.js'

describe('detached', () => {
  it('detachedCopy: same bytes, an allocation of exactly their size', () => {
    const big = Buffer.alloc(65_536, 7)
    const copy = detachedCopy(big.subarray(10, 42))
    expect(copy).toEqual(Buffer.alloc(32, 7))
    expect(copy.buffer.byteLength).toBe(32)
  })

  it('packed: every byte field of nested objects and arrays in one allocation of their total size; other fields kept', () => {
    const pool = Buffer.from('a small buffer from the pool')
    const input = { name: 'x', n: 5, a: pool.subarray(0, 5), nested: { b: pool.subarray(6, 11), list: [{ c: Buffer.from('ccc') }] } }
    const out = packed(input)
    expect(out).toEqual(input)
    expect(out.a.buffer).toBe(out.nested.b.buffer)
    expect(out.nested.list[0].c.buffer).toBe(out.a.buffer)
    expect(out.a.buffer.byteLength).toBe(5 + 5 + 3)
    out.a[0] = 0
    expect(pool[0]).toBe('a'.charCodeAt(0))
  })
})
