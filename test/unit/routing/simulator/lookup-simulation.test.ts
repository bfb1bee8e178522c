import { describe, expect, it } from 'vitest'
import { CompactNetwork } from '../../../../src/node/routing/simulator/compact-network.js'
import { simulateLookups } from '../../../../src/node/routing/simulator/lookup-simulation.js'

describe('lookup simulation', () => {
  it('finds the true k closest on a 1,000-node network (brute force), with and without churn', async () => {
    const net = CompactNetwork.build({ size: 1000, seed: 3 })
    // No loss and a narrow latency spread: every live peer answers within its timeouts, so the
    // result must be exact.
    const clean = await simulateLookups(net, { lookups: 200, seed: 4, loss: 0, latency: { sigma: 0.2 } })
    expect(clean.exactKPct).toBe(100)
    expect(clean.successPct).toBe(100)
    net.churn(0.2, 5)
    const churn = await simulateLookups(net, { lookups: 200, seed: 6, loss: 0, latency: { sigma: 0.2 } })
    expect(churn.exactKPct).toBe(100)
    // With loss and the realistic spread, an occasional very slow peer is dropped from the k
    // closest, but the closest node is still found.
    net.churn(0, 5)
    const lossy = await simulateLookups(net, { lookups: 200, seed: 7 })
    expect(lossy.successPct).toBeGreaterThanOrEqual(99)
    expect(lossy.exactKPct).toBeGreaterThanOrEqual(95)
    expect(lossy.hopsP50).toBeLessThanOrEqual(2)
  })

  it('with keys every new peer is an IK hop; without, an XX hop that costs a round trip and bytes', async () => {
    const net = CompactNetwork.build({ size: 3000, seed: 8 })
    const opts = { lookups: 150, seed: 9, loss: 0 }
    const keyed = await simulateLookups(net, opts)
    const bare = await simulateLookups(net, { ...opts, wantKeys: false })
    expect(keyed.xxHandshakesMean).toBe(0)
    // Every peer outside the origin's table needs a handshake; the seeds have sessions already.
    expect(bare.xxHandshakesMean).toBeGreaterThan(keyed.queriesMean / 2)
    expect(bare.msP50).toBeGreaterThan(keyed.msP50 * 1.2)
    expect(bare.bytesP50).toBeGreaterThan(keyed.bytesP50)
    expect(bare.successPct).toBe(100)
    expect(keyed.successPct).toBe(100)
    // Opening sessions is counted apart from the headline bytes.
    expect(keyed.handshakeBytesP50).toBeGreaterThan(0)
    expect(keyed.coldBytesP50).toBeGreaterThan(keyed.bytesP50)
    // Rank nonces would add 8 bytes per contact returned.
    for (const r of keyed.records) expect(r.noncesLeftOut).toBe(r.contactsReturned)
    const ranked = await simulateLookups(net, { ...opts, wantNonces: true })
    expect(ranked.bytesP50).toBe(keyed.bytesWithNoncesP50)
  })

  it('prints the same figures for the same seed (2,000 nodes)', async () => {
    const run = async (seed: number): Promise<unknown> => {
      const net = CompactNetwork.build({ size: 2000, seed })
      net.churn(0.2, seed)
      const { records, ...figures } = await simulateLookups(net, { lookups: 150, seed })
      return { figures, records }
    }
    const a = await run(11)
    expect(await run(11)).toEqual(a)
    expect(await run(12)).not.toEqual(a)
  })
})
