import { describe, expect, it } from 'vitest'
import type { Link } from '../../../src/node/link/link.js'
import { DhtTestnet } from '../../../src/node/routing/simulator/dht-testnet.js'
import { LinkServiceNetwork } from '../../../src/node/services/link-service-network.js'
import { VALUE_KIND } from '../../../src/node/services/service-network.js'

/** findValue only uses the DHT: the link is never touched here. */
const noLink = {} as unknown as Link

describe('LinkServiceNetwork.findValue', () => {
  it('passes notFoundStop to the DHT lookup and reports how a lookup without a value ended', async () => {
    const t = new DhtTestnet(60, { seed: 31, loss: 0, latency: { sigma: 0.2 } })
    await t.joinAll()
    const nets = t.dhts.map(d => new LinkServiceNetwork(noLink, d))
    for (const n of nets) n.registerValueProvider(VALUE_KIND.chunkProviders, { get: () => undefined })
    const key = t.prng.bytes(32)
    const near = new Set(t.truth(key, 25))
    const far = nets.filter(n => !near.has(n.self.id.toString('hex')))
    const misses: Array<{ notFound: number, stoppedEarly: boolean }> = []
    const find = async (n: LinkServiceNetwork, stop?: { count: number, quorum: number }): Promise<unknown> =>
      await t.clock.drive(n.findValue(key, VALUE_KIND.chunkProviders, { notFoundStop: stop, onNoValue: m => { misses.push(m) } }))
    for (const n of far.slice(0, 4)) expect(await find(n)).toBeUndefined()
    expect(misses.map(m => m.stoppedEarly)).toEqual([false, false, false, false])
    expect(await find(far[4], { count: 5, quorum: 3 })).toBeUndefined()
    expect(misses[4].stoppedEarly).toBe(true)
    expect(misses[4].notFound).toBeGreaterThanOrEqual(5)
  })
})
