import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createNode } from '../../src/node/node.js'
import { createTestnet, type Testnet } from '../helpers/testnet.js'

/**
 * The whole network goes down and comes back from its data directories, on
 * new ports: a name (and a kv record) registered before must still be there,
 * served by the replicas that held it and kept alive by its owner.
 */
describe('names and kv ownership survive a restart of every node', () => {
  let net: Testnet
  beforeAll(async () => { net = await createTestnet(6, { config: { names: { difficulty: 8 } } }) })
  afterAll(async () => { await net?.close() })

  it('a name still resolves from a node that did not register it, and the owner still owns it', async () => {
    const target = { kind: 'content' as const, value: Buffer.alloc(64, 7) }
    const registered = await net.nodes[1].names.register('survivor', target)
    expect(registered.accepted).toBeGreaterThan(0)
    const put = await net.nodes[2].kv.put('note', 'still here')
    expect(put.accepted).toBeGreaterThan(0)

    const before = net.nodes.map(n => ({ identity: n.identity, config: n.config }))
    await Promise.all(net.nodes.map(async n => { await n.stop() }))
    for (let i = 0; i < before.length; i++) {
      const { identity, config } = before[i]
      net.nodes[i] = await createNode({ dataDir: net.dirs[i], identity, config: { ...config, listen: { host: '127.0.0.1', port: 0 } } })
    }
    const seed = net.nodes[0].endpoint
    for (let i = 1; i < net.nodes.length; i++) await net.nodes[i].bootstrap([seed])
    await Promise.all(net.nodes.map(async n => await n.refreshRouting().catch(() => {})))
    for (const n of net.nodes) n.start()

    const [owner, kvOwner] = [net.nodes[1], net.nodes[2]]
    expect(owner.names.owned()).toEqual(['survivor'])
    expect(net.nodes.some(n => n.names.registry.get('survivor') !== undefined)).toBe(true)
    for (const reader of [net.nodes[0], net.nodes[4], net.nodes[5]]) {
      const record = await reader.names.lookup('survivor')
      expect(record.owner).toEqual(owner.identity.publicKey)
      expect(record.target).toEqual(target)
    }

    expect(kvOwner.kv.owned().map(r => r.key.toString())).toEqual(['note'])
    const got = await net.nodes[3].kv.get(kvOwner.identity.publicKey, 'note')
    expect(got?.value.toString()).toBe('still here')
  })
})
