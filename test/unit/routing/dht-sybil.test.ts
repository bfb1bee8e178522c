import { describe, expect, it } from 'vitest'
import { DhtTestnet } from '../../../src/node/routing/simulator/dht-testnet.js'
import { sha256 } from '../../../src/node/crypto/hash.js'
import { decodeRoutingMessage, encodeRoutingMessage, ValueKind } from '../../../src/node/wire/routing-messages.js'

// Real Dht instances (table, lookups over 2 disjoint paths, codec) where 10% of
// the nodes answer every FIND_VALUE with garbage: chunks verify by hash, so
// every lookup keeps searching past the garbage and finds the real value.
describe('Dht with 10% garbage-answering nodes', () => {
  it('finds every chunk, and counts the garbage as lies', async () => {
    const t = new DhtTestnet(100, { seed: 31, loss: 0, latency: { sigma: 0.2 } })
    await t.joinAll()
    const evil = new Set(t.nodes.filter((_, i) => i % 10 === 7))
    for (const n of evil) {
      const honest = n.handler
      n.handler = async (from, payload) => {
        const m = decodeRoutingMessage(payload)
        if (m.type === 'find' && m.request.kind !== 0) return encodeRoutingMessage({ type: 'value', kind: m.request.kind, value: Buffer.from('garbage') })
        return await (honest as NonNullable<typeof honest>)(from, payload)
      }
    }
    const held = new Map<string, Buffer>()
    t.dhts.forEach((d, i) => {
      d.registerValueProvider(ValueKind.chunk, {
        get: k => evil.has(t.nodes[i]) ? undefined : held.get(`${i}:${k.toString('hex')}`),
        validate: (k, v) => sha256(v).equals(k)
      })
    })
    let found = 0
    let lies = 0
    const lookups = 20
    for (let n = 0; n < lookups; n++) {
      const value = t.prng.bytes(40)
      const key = sha256(value)
      // Stored on the 5 closest nodes; the evil among them drop it.
      for (const hex of t.truth(key, 5)) held.set(`${t.nodes.findIndex(x => x.contact.id.toString('hex') === hex)}:${key.toString('hex')}`, value)
      const askers = t.dhts.filter((_, i) => !evil.has(t.nodes[i]))
      const r = await t.clock.drive(askers[t.prng.int(askers.length)].findValue(key, ValueKind.chunk, { cacheAlongPath: false }))
      if (r.value?.equals(value) === true) found++
      lies += r.lying
    }
    expect(found).toBe(lookups)
    expect(lies).toBeGreaterThan(0)
  })
})
