import { describe, expect, it } from 'vitest'
import { createStreamPair, seededDigest, transfer } from '../../../helpers/lossy-pipe.js'

const MiB = 1024 * 1024

describe('ReliableStream through a faulty pipe', () => {
  it('64 MiB through 5% loss, 5% reordering (1–5 ms) and 2% duplication arrives byte-exact', async () => {
    const pair = createStreamPair({ faults: { seed: 42, drop: 0.05, reorder: 0.05, maxDelayMs: 5, duplicate: 0.02 } })
    pair.a.on('error', (e) => { throw e })
    const got = await transfer(pair, 64, 64 * MiB)
    expect(got.bytes).toBe(64 * MiB)
    expect(got.digest).toBe(seededDigest(64, 64 * MiB))
    const s = pair.a.stats
    // Losses were really repaired (both data and ACK directions lose frames)...
    expect(pair.ab.counters.dropped).toBeGreaterThan(1000)
    expect(s.retransmits).toBeGreaterThanOrEqual(pair.ab.counters.dropped * 0.9)
    // ...without drowning the path in needless copies.
    expect(s.retransmits).toBeLessThan(pair.ab.counters.dropped * 2)
    expect(pair.b.stats.duplicates).toBeGreaterThan(0)
    pair.close()
  })

  it('4 MiB through heavy faults: 15% loss, 20% reordering, 5% duplication, both ways', async () => {
    const pair = createStreamPair({ faults: { seed: 7, drop: 0.15, reorder: 0.2, maxDelayMs: 8, duplicate: 0.05 } })
    const got = await transfer(pair, 3, 4 * MiB)
    expect(got.digest).toBe(seededDigest(3, 4 * MiB))
    pair.close()
  })

  it('the same seed gives the same fault pattern', async () => {
    const counts: number[] = []
    for (let i = 0; i < 2; i++) {
      const pair = createStreamPair({ faults: { seed: 99, drop: 0.1 } })
      for (let k = 0; k < 1000; k++) pair.ab.send(Buffer.from([1]))
      counts.push(pair.ab.counters.dropped)
      pair.close()
    }
    expect(counts[0]).toBe(counts[1])
    expect(counts[0]).toBeGreaterThan(50)
  })
})
