import { describe, expect, it } from 'vitest'
import { Pacer, type PacerClock } from '../../../../../src/node/services/radio/codecs/pacer.js'

function fakeClock (): PacerClock & { t: number } {
  const c = {
    t: 1000,
    now: () => c.t,
    sleep: async (ms: number) => { c.t += ms }
  }
  return c
}

describe('Pacer', () => {
  it('sends at real time by play time, a lead ahead', async () => {
    const clock = fakeClock()
    const pacer = new Pacer(clock, 1000)
    const sentAt: number[] = []
    for (let i = 0; i < 8; i++) {
      await pacer.next(500)
      sentAt.push(clock.t - 1000)
    }
    // The first second goes at once (the lead), then one 500 ms segment every 500 ms.
    expect(sentAt).toEqual([0, 0, 0, 500, 1000, 1500, 2000, 2500])
    expect(pacer.sentMs).toBe(4000)
  })

  it('after a stall in the input it does not burst more than the lead', async () => {
    const clock = fakeClock()
    const pacer = new Pacer(clock, 1000)
    for (let i = 0; i < 4; i++) await pacer.next(500)
    clock.t += 10_000 // stdin stalls ten seconds
    const start = clock.t
    const sentAt: number[] = []
    for (let i = 0; i < 6; i++) {
      await pacer.next(500)
      sentAt.push(clock.t - start)
    }
    expect(sentAt).toEqual([0, 0, 0, 500, 1000, 1500])
  })

  it('timer jitter does not move the schedule', async () => {
    const clock = fakeClock()
    const pacer = new Pacer({ now: clock.now, sleep: async (ms) => { clock.t += ms + 7 } }, 0)
    const sentAt: number[] = []
    for (let i = 0; i < 6; i++) {
      await pacer.next(100)
      sentAt.push(clock.t - 1000)
    }
    // Each wait overshoots by 7 ms; the next one is shorter by as much, so lateness never grows.
    expect(sentAt).toEqual([0, 107, 207, 307, 407, 507])
  })

  it('stops waiting when aborted', async () => {
    const pacer = new Pacer({ now: () => 0, sleep: async (_ms, signal) => { signal?.throwIfAborted() } }, 0)
    const ac = new AbortController()
    await pacer.next(500, ac.signal)
    ac.abort()
    await expect(pacer.next(500, ac.signal)).rejects.toThrow()
  })
})
