import { describe, expect, it } from 'vitest'
import { DhtTestnet } from '../../../src/node/routing/simulator/dht-testnet.js'

// 1,000 real Dht instances (routing table, lookup runner, request handler,
// wire codec) joined one batch at a time through one bootstrap endpoint.
describe('1,000 Dht nodes on an in-memory network', () => {
  it('find the true k closest nodes (brute force)', async () => {
    // Narrow latency spread and no loss: every live peer answers within its timeout, so the
    // lookups must be exact.
    const t = new DhtTestnet(1000, { seed: 21, loss: 0, latency: { sigma: 0.2 } })
    await t.joinAll()
    for (const d of t.dhts) expect(d.table.size).toBeGreaterThan(40)
    let hops = 0
    for (let i = 0; i < 60; i++) {
      const target = t.prng.bytes(32)
      const from = t.dhts[t.prng.int(1000)]
      const r = await t.clock.drive(from.findNode(target))
      expect(r.closest.map(c => c.id.toString('hex'))).toEqual(t.truth(target, 20, from.self.id))
      hops += r.hops
    }
    expect(hops / 60).toBeLessThan(3)

    // Then 1% loss and 10% of the nodes gone: the closest live node is still found.
    t.net.options.loss = 0.01
    for (let i = 1; i < 1000; i += 10) t.nodes[i].alive = false
    let exact = 0
    for (let i = 0; i < 60; i++) {
      const target = t.prng.bytes(32)
      let o = t.prng.int(1000)
      while (!t.nodes[o].alive) o = t.prng.int(1000)
      const from = t.dhts[o]
      const r = await t.clock.drive(from.findNode(target))
      const truth = t.truth(target, 20, from.self.id)
      expect(r.closest[0].id.toString('hex')).toBe(truth[0])
      if (r.closest.map(c => c.id.toString('hex')).join() === truth.join()) exact++
    }
    expect(exact).toBeGreaterThanOrEqual(54)
  })
})
