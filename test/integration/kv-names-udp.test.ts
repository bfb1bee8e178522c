import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createNode } from '../../src/node/node.js'
import { createTestnet, type Testnet } from '../helpers/testnet.js'

describe('kv records and names on 8 real nodes', () => {
  let net: Testnet
  beforeAll(async () => { net = await createTestnet(8, { config: { names: { difficulty: 8 } } }) })
  afterAll(async () => { await net?.close() })

  it('a signed record put by one node is read by another, and a newer sequence wins', async () => {
    const [a, , , b] = net.nodes
    await a.kv.put('profile', 'version one')
    const r1 = await b.kv.get(a.identity.publicKey, 'profile')
    expect(r1?.value.toString()).toBe('version one')
    await a.kv.put('profile', 'version two')
    const r2 = await net.nodes[5].kv.get(a.identity.publicKey, 'profile')
    expect(r2?.value.toString()).toBe('version two')
    await expect(a.kv.put('big', Buffer.alloc(1025))).rejects.toMatchObject({ code: 'KV_TOO_LARGE' })
  })

  it('two nodes racing for one name: every node agrees on the owner', async () => {
    const value = (n: number): { kind: 'content', value: Buffer } => ({ kind: 'content', value: Buffer.alloc(64, n) })
    const results = await Promise.allSettled([net.nodes[1].names.register('contested', value(1)), net.nodes[2].names.register('contested', value(2))])
    expect(results.filter(r => r.status === 'fulfilled').length).toBeGreaterThanOrEqual(1)
    const owners = new Set<string>()
    for (const n of net.nodes) owners.add((await n.names.lookup('contested')).owner.toString('hex'))
    expect(owners.size).toBe(1)
    const winner = [...owners][0]
    expect([net.nodes[1].identity.publicKey.toString('hex'), net.nodes[2].identity.publicKey.toString('hex')]).toContain(winner)
  })

  it('records held for others survive a restart of the holder', async () => {
    const owner = net.nodes[6]
    await owner.kv.put('durable', 'kept across restarts')
    const holderIndex = net.nodes.findIndex(n => n !== owner && [...n.kv.store.records()].some(r => r.key.toString() === 'durable'))
    expect(holderIndex).toBeGreaterThanOrEqual(0)
    const holder = net.nodes[holderIndex]
    const { identity, config } = holder
    await holder.stop()
    const again = await createNode({ dataDir: net.dirs[holderIndex], identity, config: { ...config, listen: { host: '127.0.0.1', port: 0 } } })
    net.nodes[holderIndex] = again
    expect([...again.kv.store.records()].some(r => r.key.toString() === 'durable' && r.value.toString() === 'kept across restarts')).toBe(true)
  })
})
