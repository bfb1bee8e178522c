import { describe, expect, it } from 'vitest'
import { BandwidthBudget } from '../../../../src/node/services/chunks/sell-policy.js'
import { fakeChunk } from './chunk-testnet.js'
import { memoryStore, serve } from './slice-server-kit.js'

describe('slice server pacing by the bandwidth sold (issue 19 item 7)', () => {
  it('reserves each run of slices from the budget before sending, waits what it says, and counts bytes per chunk', async () => {
    const c = fakeChunk(3, 200_000)
    let t = 0
    const budget = new BandwidthBudget({ bytesPerSecond: 100_000, now: () => t })
    const asked: Array<[number, number]> = []
    const served = new Map<string, number>()
    // A clock that the wait moves on: each wait is served at once, and recorded.
    const s = serve(memoryStore([c]), {
      pace: (bytes) => { const ms = budget.reserve(bytes); asked.push([bytes, ms]); t += ms; return ms > 0 ? 1 : 0 },
      onSlice: (n, id) => { served.set(id.toString('hex'), (served.get(id.toString('hex')) ?? 0) + n) }
    })
    s.ask({ type: 'sliceRequest', chunkId: c.id, first: 0, count: 1 })
    await new Promise(resolve => setTimeout(resolve, 20))
    s.ask({ type: 'sliceRequest', chunkId: c.id, first: 1, count: 3 })
    s.raw.push(null)
    for (let i = 0; i < 100 && !s.ended(); i++) await new Promise(resolve => setTimeout(resolve, 10))
    // 65,536 fits the second's 100,000; the next 134,464 bytes are 100,000 over: a second's wait.
    expect(asked).toEqual([[65_536, 0], [134_464, 1000]])
    expect(s.frames().map(f => f.type)).toEqual(['slice', 'slice', 'slice', 'slice'])
    expect(served.get(c.id.toString('hex'))).toBe(200_000)
  })
})
