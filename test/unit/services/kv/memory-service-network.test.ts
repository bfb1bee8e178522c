import { once } from 'node:events'
import { describe, expect, it } from 'vitest'
import { isTornetError } from '../../../../src/node/errors.js'
import { LinkErrorCode } from '../../../../src/node/link/errors.js'
import { createMemoryNetwork } from '../../../helpers/memory-service-network.js'

// The shared in-process network other services' tests build on (test/helpers/memory-service-network.ts).

async function codeOf (p: Promise<unknown>): Promise<string | undefined> {
  const err = await p.then(() => undefined, (e: unknown) => e)
  return isTornetError(err) ? err.code : String(err)
}

function xorLess (key: Buffer, a: Buffer, b: Buffer): boolean {
  for (let i = 0; i < 32; i++) if ((a[i] ^ key[i]) !== (b[i] ^ key[i])) return (a[i] ^ key[i]) < (b[i] ^ key[i])
  return false
}

describe('MemoryServiceNetwork', () => {
  it('closest(): the k nearest live nodes by XOR, never the caller', async () => {
    const { network, nodes } = createMemoryNetwork(20, { k: 5 })
    const key = Buffer.alloc(32, 0x5a)
    network.setFault(network.closestNodes(key, 1)[0], { down: true })
    const found = await nodes[0].closest(key)
    expect(found).toHaveLength(5)
    expect(found.some(c => c.id.equals(nodes[0].self.id))).toBe(false)
    for (let i = 1; i < found.length; i++) expect(xorLess(key, found[i - 1].id, found[i].id)).toBe(true)
    const all = nodes.filter(n => n !== nodes[0] && n.fault?.down !== true).map(n => n.self.id).sort((a, b) => xorLess(key, a, b) ? -1 : 1)
    expect(found.map(c => c.id)).toEqual(all.slice(0, 5))
    expect(await nodes[0].closest(key, { count: 2 })).toHaveLength(2)
  })

  it('request(): delivers to the handler with the sender as `from`, and fails with link codes', async () => {
    const { network, nodes } = createMemoryNetwork(3)
    const [a, b, c] = nodes
    b.registerService('echo', { onRequest: async (payload, ctx) => Buffer.concat([payload, ctx.from.id.subarray(0, 1)]) })
    c.registerService('boom', { onRequest: async () => { throw new Error('bug') } })
    expect(await a.request(b.self, 'echo', Buffer.from('hi'))).toEqual(Buffer.concat([Buffer.from('hi'), a.self.id.subarray(0, 1)]))
    expect(await codeOf(a.request(b.self, 'nothing', Buffer.alloc(0)))).toBe(LinkErrorCode.UNKNOWN_SERVICE)
    expect(await codeOf(a.request(c.self, 'boom', Buffer.alloc(0)))).toBe(LinkErrorCode.HANDLER_FAILED)
    expect(await codeOf(a.request(a.self, 'echo', Buffer.alloc(0)))).toBe(LinkErrorCode.SELF)
    expect(await codeOf(a.request(b.self, 'echo', Buffer.alloc(0), { signal: AbortSignal.abort() }))).toBe(LinkErrorCode.ABORTED)
    network.setFault(b, { down: true })
    expect(await codeOf(a.request(b.self, 'echo', Buffer.alloc(0)))).toBe(LinkErrorCode.TIMEOUT)
    network.setFault(b, { onRequest: async () => Buffer.from('lie') })
    expect(await a.request(b.self, 'echo', Buffer.from('hi'))).toEqual(Buffer.from('lie'))
    network.setFault(b, { onRequest: async () => await new Promise<never>(() => {}) })
    expect(await codeOf(a.request(b.self, 'echo', Buffer.alloc(0), { timeoutMs: 20 }))).toBe(LinkErrorCode.TIMEOUT)
    expect(network.stats.requests).toBeGreaterThan(0)
  })

  it('findValue(): local first, then nearest first; lies skipped, misses reported, the value cached where it lacked', async () => {
    const { network, nodes } = createMemoryNetwork(12, { k: 6 })
    const key = Buffer.alloc(32, 0x33)
    const reader = nodes[0]
    const order = network.closestNodes(key, 6, reader)
    const held = new Map<string, Buffer>()
    const missed: string[] = []
    for (const n of nodes) {
      n.registerValueProvider(9, {
        get: () => held.get(n.self.id.toString('hex')),
        validate: (_k, v) => v.toString() !== 'lie',
        onMiss: () => { missed.push(n.self.id.toString('hex')) },
        cache: (_k, v) => { held.set(n.self.id.toString('hex'), v); return true }
      })
    }
    held.set(order[1].self.id.toString('hex'), Buffer.from('lie'))
    held.set(order[2].self.id.toString('hex'), Buffer.from('truth'))
    const found = await reader.findValue(key, 9)
    expect(found?.value.toString()).toBe('truth')
    expect(found?.from.id).toEqual(order[2].self.id)
    expect(network.stats.rejectedValues).toBe(1)
    expect(missed).toEqual([order[0].self.id.toString('hex')])
    await new Promise(resolve => setImmediate(resolve))
    await new Promise(resolve => setImmediate(resolve))
    expect(held.get(order[0].self.id.toString('hex'))?.toString()).toBe('truth')
    // A value the reader holds itself answers without asking anyone.
    held.set(reader.self.id.toString('hex'), Buffer.from('mine'))
    const before = network.stats.valueQueries
    expect((await reader.findValue(key, 9))?.from.id).toEqual(reader.self.id)
    expect(network.stats.valueQueries).toBe(before)
    expect(await nodes[5].findValue(Buffer.alloc(32, 1), 77)).toBeUndefined()
  })

  it('openStream(): a duplex pair between the two nodes', async () => {
    const { nodes } = createMemoryNetwork(2)
    nodes[1].registerService('upper', {
      onStream: (stream) => { stream.on('data', (d: Buffer) => stream.write(d.toString().toUpperCase())) }
    })
    const s = await nodes[0].openStream(nodes[1].self, 'upper')
    s.write('hello')
    const [reply] = await once(s, 'data') as [Buffer]
    expect(reply.toString()).toBe('HELLO')
    s.destroy()
    expect(await codeOf(nodes[0].openStream(nodes[1].self, 'none'))).toBe(LinkErrorCode.UNKNOWN_SERVICE)
  })
})
