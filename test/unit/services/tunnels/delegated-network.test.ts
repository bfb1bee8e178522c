import { describe, expect, it } from 'vitest'
import { sha256 } from '../../../../src/node/crypto/hash.js'
import { makeContact } from '../../../../src/node/routing/contact.js'
import { parseDelegate } from '../../../../src/node/services/tunnels/delegate-spec.js'
import { DelegatedNetwork, delegateCircuit, delegateContact } from '../../../../src/node/services/tunnels/delegated-network.js'
import { TunnelError, TunnelErrorCode } from '../../../../src/node/services/tunnels/errors.js'
import { createNetworkExit } from '../../../../src/node/services/tunnels/network-exit.js'
import type { BuildOptions, Circuit } from '../../../../src/node/services/tunnels/tunnel-api.js'
import { MemoryExit, type MemoryCircuit } from '../../../helpers/memory-circuits.js'
import { MemoryServiceNetwork } from '../../../helpers/memory-service-network.js'

describe('parseDelegate', () => {
  it('takes KEYHEX@host:port or host:port, nothing else', () => {
    const key = 'ab'.repeat(32)
    expect(parseDelegate(`${key}@127.0.0.1:9151`)).toEqual({ publicKey: Buffer.from(key, 'hex'), endpoint: { address: '127.0.0.1', port: 9151 } })
    expect(parseDelegate('[::1]:9151')).toEqual({ endpoint: { address: '::1', port: 9151 } })
    expect(parseDelegate(`${key}@127.0.0.1`)).toBeUndefined()
    expect(parseDelegate('abc@127.0.0.1:1')).toBeUndefined()
    expect(parseDelegate('nowhere')).toBeUndefined()
  })
})

describe('delegateContact', () => {
  const key = Buffer.alloc(32, 3)
  const known = makeContact(sha256(key), { address: '10.0.0.1', port: 5 }, { publicKey: key, rank: 9 })
  it('prefers the routing table\'s contact (its rank is verified), by key or by endpoint', () => {
    expect(delegateContact({ publicKey: key, endpoint: { address: '10.9.9.9', port: 1 } }, () => [known])).toBe(known)
    expect(delegateContact({ endpoint: { address: '10.0.0.1', port: 5 } }, () => [known])).toBe(known)
  })
  it('makes one from the key when the node does not know the peer, and needs the key then', () => {
    const c = delegateContact({ publicKey: key, endpoint: { address: '10.9.9.9', port: 1 } }, () => [])
    expect(c.id.equals(sha256(key))).toBe(true)
    expect(() => delegateContact({ endpoint: { address: '10.9.9.9', port: 1 } }, () => [known])).toThrow(expect.objectContaining({ code: TunnelErrorCode.NO_RELAYS }))
  })
})

describe('delegateCircuit', () => {
  it('builds one 1-hop delegate circuit to the peer, reuses it while open, rebuilds once it closed', async () => {
    const memory = new MemoryExit(makeContact(Buffer.alloc(32, 1), { address: '10.0.0.1', port: 1 }))
    const asked: BuildOptions[] = []
    const to = makeContact(Buffer.alloc(32, 2), { address: '10.0.0.2', port: 2 })
    const get = delegateCircuit({ build: async (o) => { asked.push(o ?? {}); return memory.circuit() } }, () => to)
    const a = await get()
    expect(await get()).toBe(a)
    a.close()
    const b = await get()
    expect(b).not.toBe(a)
    expect(asked.map(o => [o.hops, o.purpose, o.lastHop])).toEqual([[1, 'delegate', to], [1, 'delegate', to]])
  })
})

describe('DelegatedNetwork', () => {
  function setup (failing = false): { net: MemoryServiceNetwork, delegated: DelegatedNetwork, circuits: MemoryCircuit[], logged: string[] } {
    const net = new MemoryServiceNetwork({ k: 8 })
    const nodes = net.addNodes(20)
    nodes.forEach((n, i) => { n.self.endpoint = { address: '127.0.0.1', port: 30000 + i } })
    const memory = new MemoryExit(nodes[0].self)
    createNetworkExit({ tunnels: memory, network: nodes[1], allowPrivateEndpoints: true })
    const circuits: MemoryCircuit[] = []
    const logged: string[] = []
    const circuit = async (): Promise<Circuit> => {
      if (failing) throw new TunnelError(TunnelErrorCode.EXTEND_FAILED, 'the delegate does not answer')
      const c = memory.circuit()
      circuits.push(c)
      return c
    }
    return { net, delegated: new DelegatedNetwork(nodes[0], circuit, (m) => logged.push(m)), circuits, logged }
  }

  it('runs lookups at the delegate and keeps requests and registrations local', async () => {
    const { net, delegated, circuits } = setup()
    const [self, , target] = net.nodes
    const closest = await delegated.closest(Buffer.alloc(32, 9), { count: 5 })
    expect(closest.length).toBe(5)
    expect(circuits.length).toBe(1)
    expect(circuits[0].requests).toBe(1)
    let from = ''
    target.registerService('echo', { onRequest: async (p, ctx) => { from = ctx.from.id.toString('hex'); return p } })
    expect(await delegated.request(target.self, 'echo', Buffer.from('x'))).toEqual(Buffer.from('x'))
    expect(from).toBe(self.self.id.toString('hex'))
    delegated.registerService('mine', { onRequest: async () => Buffer.from('here') })
    expect(self.services.has('mine')).toBe(true)
    delegated.registerValueProvider(7, { get: () => undefined })
    expect(self.providers.has(7)).toBe(true)
    expect(circuits.length).toBe(1)
  })

  it('runs the lookup here when the delegate cannot be reached, and says so', async () => {
    const { delegated, logged } = setup(true)
    expect((await delegated.closest(Buffer.alloc(32, 9), { count: 5 })).length).toBe(5)
    expect(await delegated.findValue(Buffer.alloc(32, 9), 7)).toBeUndefined()
    expect(logged.length).toBe(2)
    expect(logged[0]).toContain('the delegate does not answer')
  })

  it('does not fall back once the caller gave up', async () => {
    const { delegated } = setup(true)
    const gone = new AbortController()
    gone.abort()
    await expect(delegated.closest(Buffer.alloc(32, 9), { signal: gone.signal })).rejects.toMatchObject({ code: TunnelErrorCode.EXTEND_FAILED })
  })
})
