import { describe, expect, test } from 'vitest'
import { FragmentAssembler, fragment, ReassemblyBudget } from '../../../src/node/link/fragment-assembler.js'

describe('fragmentation and reassembly', () => {
  const limits = { maxMessageBytes: 1000, maxMessages: 2, timeoutMs: 100 }

  test('fragments reassemble in any order, duplicates ignored', () => {
    const payload = Buffer.from(Array.from({ length: 950 }, (_, i) => i & 0xff))
    const parts = fragment(payload, 100)
    expect(parts.length).toBe(10)
    const budget = new ReassemblyBudget(10_000)
    const a = new FragmentAssembler(limits, budget)
    let out: Buffer | undefined
    for (const i of [3, 1, 1, 0, 9, 2, 4, 5, 6, 8, 7]) {
      const r = a.add(1, i, parts.length, parts[i], 0)
      if (r.done) out = r.payload
    }
    expect(out).toEqual(payload)
    expect(budget.used).toBe(0)
    expect(a.pending).toBe(0)
  })

  test('empty payloads are one empty fragment', () => {
    expect(fragment(Buffer.alloc(0), 10)).toEqual([Buffer.alloc(0)])
  })

  test('limits: message size, partial messages, global budget, timeouts', () => {
    const budget = new ReassemblyBudget(150)
    const a = new FragmentAssembler(limits, budget)
    expect(a.add(1, 0, 20, Buffer.alloc(100), 0)).toEqual({ done: false })
    expect(a.add(2, 0, 2, Buffer.alloc(100), 0)).toEqual({ done: false, refused: 'budget' })
    expect(a.add(3, 0, 2, Buffer.alloc(10), 0)).toEqual({ done: false })
    expect(a.add(4, 0, 2, Buffer.alloc(10), 0)).toEqual({ done: false, refused: 'too-many' })
    expect(a.add(1, 1, 19, Buffer.alloc(10), 0)).toEqual({ done: false, refused: 'mismatch' })
    expect(a.add(5, 0, 1, Buffer.alloc(1001), 0)).toEqual({ done: false, refused: 'too-large' })
    a.sweep(200)
    expect(a.pending).toBe(0)
    expect(budget.used).toBe(0)
    const b = new FragmentAssembler(limits, new ReassemblyBudget(1e6))
    for (let i = 0; i < 9; i++) b.add(7, i, 10, Buffer.alloc(100), 0)
    expect(b.add(7, 9, 10, Buffer.alloc(101), 0)).toEqual({ done: false, refused: 'too-large' })
  })
})
