import { afterEach, describe, expect, test } from 'vitest'
import { memoryTestnet, type Testnet } from '../../helpers/link-testnet.js'

/**
 * Issue 12, item 11b: the link tells the meter a service name only for
 * services this node registered (or itself uses); names a peer makes up are
 * counted together.
 */
let net: Testnet | undefined
afterEach(async () => { await net?.close(); net = undefined })

describe('the link reports only known service names to the meter', () => {
  test('a peer sending to 10,000 unregistered service names leaves the meter bounded', async () => {
    const t = net = memoryTestnet(2)
    const [a, b] = t.nodes
    b.link.registerService('echo', { onRequest: async (_p, x) => x, onDatagram: () => {} })
    await a.link.request(b.contact, 'echo', Buffer.from('hi'))
    await a.link.request(b.contact, 'echo', Buffer.from('again')) // the first rode in the handshake
    for (let i = 0; i < 10_000; i++) await a.link.sendDatagram(b.contact, `made-up-${i}`, Buffer.alloc(1))
    // Requests to unknown services are answered with an error under the same name.
    for (let round = 0; round < 4; round++) {
      await Promise.allSettled(Array.from({ length: 100 }, async (_, i) => await a.link.request(b.contact, `asked-${round}-${i}`, Buffer.alloc(1))))
    }
    for (let i = 0; b.link.stats.datagramsIn < a.link.stats.datagramsOut && i < 5000; i++) await new Promise(resolve => setTimeout(resolve, 2))
    expect(b.meter.byKind.size).toBeLessThanOrEqual(8)
    expect([...b.meter.byKind.keys()]).toContain('echo')
    expect(b.meter.byKind.get('unregistered')?.in).toBeGreaterThan(10_000)
  })
})
