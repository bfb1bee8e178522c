import { describe, expect, it } from 'vitest'
import { MissingCounter } from '../../../src/node/store/missing-counter.js'

describe('MissingCounter', () => {
  it('counts requests per key and clears', () => {
    const m = new MissingCounter(10)
    expect(m.note('a')).toBe(1)
    expect(m.note('a')).toBe(2)
    expect(m.peek('a')).toBe(2)
    expect(m.peek('b')).toBe(0)
    m.clear('a')
    expect(m.peek('a')).toBe(0)
  })

  it('stays within capacity, forgetting the least recently asked-for key', () => {
    const m = new MissingCounter(3)
    m.note('a'); m.note('b'); m.note('c')
    m.note('a') // a is now the most recent
    m.note('d') // evicts b
    expect(m.size).toBe(3)
    expect(m.peek('b')).toBe(0)
    expect(m.peek('a')).toBe(2)
    for (let i = 0; i < 1000; i++) m.note(`x${i}`)
    expect(m.size).toBe(3)
  })

  it('rejects a useless capacity', () => {
    expect(() => new MissingCounter(0)).toThrow(RangeError)
  })
})
