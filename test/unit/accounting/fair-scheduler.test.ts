import { describe, expect, it } from 'vitest'
import { DEBT_UNIT, FairScheduler, STANDING_UNIT, STRANGER_WEIGHT, standingWeight } from '../../../src/node/accounting/fair-scheduler.js'

/** Runs `rounds` jobs of cost 1 from always-backlogged requesters and counts who got served. */
function saturate (weights: Record<string, number>, jobs: number, capacity = 2): Record<string, number> {
  const s = new FairScheduler({ capacity, maxQueued: 10_000, weightOf: (r) => weights[r] ?? 1 })
  const served: Record<string, number> = Object.fromEntries(Object.keys(weights).map(k => [k, 0]))
  const running: string[] = []
  const submit = (r: string): void => { s.submit(r, 1, () => { running.push(r) }) }
  // Every requester keeps 10 requests waiting at all times.
  for (const r of Object.keys(weights)) for (let i = 0; i < 10; i++) submit(r)
  for (let n = 0; n < jobs; n++) {
    const r = running.shift() as string
    served[r]++
    submit(r) // it asks again: still backlogged
    s.done()
  }
  return served
}

describe('weighted fair scheduling', () => {
  it('serves everyone at once while below capacity', () => {
    const s = new FairScheduler({ capacity: 3, maxQueued: 10, weightOf: () => 1 })
    const started: string[] = []
    for (const r of ['a', 'b', 'c']) expect(s.submit(r, 1000, () => { started.push(r) })).toBe(true)
    expect(started).toEqual(['a', 'b', 'c'])
    expect(s.queued).toBe(0)
  })

  it('shares a saturated server in proportion to weight', () => {
    const served = saturate({ contributor: 8, freeloader: 1 }, 9000)
    const ratio = served.contributor / served.freeloader
    expect(ratio).toBeGreaterThan(7)
    expect(ratio).toBeLessThan(9)
  })

  it('never starves the lowest weight', () => {
    const served = saturate({ a: 64, b: 64, c: 64, low: 1 }, 19_300)
    expect(served.low).toBeGreaterThanOrEqual(90) // its 1/193 share of 19,300
  })

  it('what was served while idle is held against nobody', () => {
    const s = new FairScheduler({ capacity: 1, maxQueued: 100, weightOf: () => 1 })
    const order: string[] = []
    // "old" ran a huge job while nobody waited; later two equal requests wait behind a third.
    s.submit('old', 1_000_000, () => { order.push('old') })
    s.done()
    s.submit('x', 1, () => { order.push('x') })
    s.submit('old', 1, () => { order.push('old2') })
    s.submit('new', 1, () => { order.push('new') })
    s.done()
    s.done()
    expect(order).toEqual(['old', 'x', 'old2', 'new'])
  })

  it('while busy, a requester that just had a big job waits behind a small newcomer', () => {
    const s = new FairScheduler({ capacity: 1, maxQueued: 100, weightOf: () => 1 })
    const order: string[] = []
    s.submit('x', 1, () => { order.push('x') })
    s.submit('big', 1000, () => { order.push('big') })
    s.submit('small', 1, () => { order.push('small') })
    s.submit('big', 1, () => { order.push('big2') })
    s.done(); s.done(); s.done()
    expect(order).toEqual(['x', 'small', 'big', 'big2'])
  })

  it('weighs a waiting requester again when its standing changes, moving its requests up', () => {
    const weights: Record<string, number> = { busy: 1, a: 1, b: 1 }
    const s = new FairScheduler({ capacity: 1, maxQueued: 10, weightOf: (r) => weights[r] })
    const order: string[] = []
    s.submit('busy', 1, () => { order.push('busy') })
    s.submit('a', 100, () => { order.push('a') })
    s.submit('b', 100, () => { order.push('b') })
    expect(s.waiting('b')).toBe(true)
    weights.b = 10
    s.reweigh('b')
    s.reweigh('nobody')
    s.done(); s.done(); s.done()
    expect(order).toEqual(['busy', 'b', 'a'])
    expect(s.waiting('b')).toBe(false)
  })

  it('refuses beyond maxQueued', () => {
    const s = new FairScheduler({ capacity: 1, maxQueued: 2, weightOf: () => 1 })
    expect(s.submit('a', 1, () => {})).toBe(true)
    expect(s.submit('a', 1, () => {})).toBe(true)
    expect(s.submit('a', 1, () => {})).toBe(true)
    expect(s.submit('a', 1, () => {})).toBe(false)
  })

  it('weighs standing by the log of what a peer gave, and sinks a debtor that gave nothing below a stranger', () => {
    expect(standingWeight(0)).toBe(STRANGER_WEIGHT)
    expect(standingWeight(-5)).toBe(STRANGER_WEIGHT)
    expect(standingWeight(0, -1_000)).toBe(STRANGER_WEIGHT) // this node owes it: still a stranger's due
    expect(standingWeight(STANDING_UNIT)).toBeCloseTo(STRANGER_WEIGHT + 1, 9)
    expect(standingWeight(1_000_000_000)).toBeCloseTo(STRANGER_WEIGHT + Math.log2(1 + 1e9 / STANDING_UNIT), 6)
    // One lookup answer given lifts a peer above every stranger, whatever it owes.
    expect(standingWeight(4096, 1e12)).toBeGreaterThan(STRANGER_WEIGHT)
    // A freeloader's weight falls with its debt, halfway to 1 at DEBT_UNIT, never below 1.
    expect(standingWeight(0, DEBT_UNIT)).toBeCloseTo(1 + (STRANGER_WEIGHT - 1) / 2, 9)
    expect(standingWeight(0, 1e15)).toBeGreaterThanOrEqual(1)
    expect(standingWeight(0, 10 * DEBT_UNIT)).toBeLessThan(standingWeight(0, DEBT_UNIT))
  })
})
