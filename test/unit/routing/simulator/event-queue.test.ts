import { describe, expect, it } from 'vitest'
import { EventQueue } from '../../../../src/node/routing/simulator/event-queue.js'
import { VirtualClock } from '../../../../src/node/routing/simulator/virtual-clock.js'
import { Prng } from '../../../../src/node/routing/simulator/prng.js'

describe('EventQueue and VirtualClock', () => {
  it('pops by time, ties in insertion order', () => {
    const q = new EventQueue()
    const prng = new Prng(1)
    const pushed: Array<[number, number]> = []
    for (let i = 0; i < 2000; i++) { const t = prng.int(50); q.push(t, () => undefined); pushed.push([t, i]) }
    const order: Array<[number, number]> = []
    for (let e = q.pop(); e !== undefined; e = q.pop()) order.push([e.time, e.seq])
    expect(order).toEqual([...pushed].sort((a, b) => a[0] - b[0] || a[1] - b[1]))
  })

  it('drives async work in virtual time, skipping cancelled timers', async () => {
    const clock = new VirtualClock()
    const log: string[] = []
    const cancel = clock.setTimer(50, () => log.push('cancelled'))
    cancel()
    const work = (async () => {
      await new Promise<void>(resolve => clock.setTimer(1000, resolve))
      log.push(`a@${clock.now()}`)
      await new Promise<void>(resolve => clock.setTimer(500, resolve))
      log.push(`b@${clock.now()}`)
      return 7
    })()
    expect(await clock.drive(work)).toBe(7)
    expect(log).toEqual(['a@1000', 'b@1500'])
  })

  it('reports a deadlock instead of hanging', async () => {
    const clock = new VirtualClock()
    await expect(clock.drive(new Promise(() => undefined))).rejects.toThrow(/no events left/)
  })
})
