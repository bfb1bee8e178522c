import { describe, expect, test } from 'vitest'
import { FragmentAssembler } from '../../../src/node/link/fragment-assembler.js'
import { ReassemblyBudget } from '../../../src/node/link/reassembly-budget.js'

const limits = { maxMessageBytes: 10_000, maxMessages: 64, timeoutMs: 1000 }

function session (pool: ReassemblyBudget): { a: FragmentAssembler, share: ReturnType<ReassemblyBudget['share']> } {
  const share = pool.share()
  const a = new FragmentAssembler(limits, share)
  share.attach(a)
  return { a, share }
}

describe('reassembly budget shared fairly by sessions', () => {
  test('a session holds at most its share', () => {
    const pool = new ReassemblyBudget(1000, 300)
    const s = session(pool)
    for (let k = 0; k < 3; k++) expect(s.a.add(k, 0, 5, Buffer.alloc(100), 0)).toEqual({ done: false })
    expect(s.a.add(9, 0, 5, Buffer.alloc(100), 0)).toEqual({ done: false, refused: 'budget' })
    expect(s.share.used).toBe(300)
    expect(pool.used).toBe(300)
  })

  test('when the pool is full, a smaller holder takes room from the largest (its oldest partial), never from an equal one', () => {
    const pool = new ReassemblyBudget(600, 400)
    const big = session(pool)
    const mid = session(pool)
    const small = session(pool)
    for (let k = 0; k < 4; k++) big.a.add(k, 0, 5, Buffer.alloc(100), 0)
    for (let k = 0; k < 2; k++) mid.a.add(k, 0, 5, Buffer.alloc(100), 0)
    expect(pool.used).toBe(600)
    expect(small.a.add(1, 0, 5, Buffer.alloc(100), 0)).toEqual({ done: false })
    expect(big.share.used).toBe(300)
    expect(big.a.pending).toBe(3)
    expect(pool.used).toBe(600)
    // Equal holders do not evict each other.
    const p2 = new ReassemblyBudget(200, 200)
    const x = session(p2)
    const y = session(p2)
    x.a.add(1, 0, 5, Buffer.alloc(100), 0)
    y.a.add(1, 0, 5, Buffer.alloc(100), 0)
    expect(x.a.add(2, 0, 5, Buffer.alloc(100), 0)).toEqual({ done: false, refused: 'budget' })
    expect(y.share.used).toBe(100)
  })

  test('closing a share drops its partials and returns their bytes', () => {
    const pool = new ReassemblyBudget(1000, 500)
    const s = session(pool)
    s.a.add(1, 0, 5, Buffer.alloc(250), 0)
    s.a.add(2, 0, 5, Buffer.alloc(250), 0)
    s.share.close()
    expect(pool.used).toBe(0)
    expect(s.a.pending).toBe(0)
    expect(s.share.take(1)).toBe(false)
  })
})
