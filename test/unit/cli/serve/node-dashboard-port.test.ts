import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { type Testnet, createTestnet } from '../../../../src/node/index.js'
import { nodeDashboardPort } from '../../../../src/cli/serve/node-dashboard-port.js'
import { PublishedList } from '../../../../src/cli/serve/published-list.js'

/** The dashboard's view of a real node: plain data in the port's shapes, read through the node's public methods. */
let net: Testnet
beforeAll(async () => { net = await createTestnet(2) }, 30_000)
afterAll(async () => { await net?.close() })

describe('nodeDashboardPort', () => {
  it('shows the connected peers, the storage and the traffic as the port defines them', async () => {
    const [a, b] = net.nodes
    const port = nodeDashboardPort(a, 'http://127.0.0.1:9150', new PublishedList(a))
    const peers = await port.peers()
    const other = peers.find(p => p.id === b.identity.id.toString('hex'))
    expect(other?.endpoint).toBe(`${b.endpoint.address}:${b.endpoint.port}`)
    expect(other?.bytesIn).toBeGreaterThan(0)
    expect(other?.bytesOut).toBeGreaterThan(0)
    // Counted both as an open session and as a routing-table contact, and listed once.
    expect(other).toMatchObject({ session: true, inTable: true })
    expect(peers.filter(p => p.id === other?.id)).toHaveLength(1)
    expect(Object.keys(await port.storage()).sort()).toEqual(['cacheBytes', 'cacheCount', 'cacheLimit', 'localBytes', 'localCount'])
    const traffic = await port.traffic()
    expect(Object.keys(traffic).sort()).toEqual(['byKind', 'bytesIn', 'bytesOut'])
    expect(traffic.bytesIn).toBeGreaterThan(0)
    expect(Object.values(traffic.byKind).every(k => typeof k.in === 'number' && typeof k.out === 'number')).toBe(true)
    // Both nodes are on 127.0.0.1: no peer on another host to ask, so reachability stays unknown.
    expect((await a.reach.check({ waitMs: 10 })).status).toBe('unknown')
    expect((await port.status()).reachability).toBeUndefined()
  })

  it('keeps the published list in the node\'s store, newest first, with the name set later', async () => {
    const list = new PublishedList(net.nodes[0])
    const item = { reference: 'ref-one', url: 'http://ref-one.tor-net/', title: 'one', files: 1, bytes: 3, publishedAt: 1 }
    await list.add(item)
    await list.add({ ...item, reference: 'ref-two', url: 'http://ref-two.tor-net/', publishedAt: 2 })
    await list.setName('ref-one', 'first')
    expect(list.list().map(i => i.reference)).toEqual(['ref-two', 'ref-one'])
    expect(list.list()[1]).toMatchObject({ name: 'first', nameUrl: 'http://first.tor-net/' })
  })
})
