import { once } from 'node:events'
import { describe, expect, it } from 'vitest'
import type { Contact } from '../../../../src/node/routing/contact.js'
import { createNetworkExit } from '../../../../src/node/services/tunnels/network-exit.js'
import { RemoteServiceNetwork } from '../../../../src/node/services/tunnels/remote-network.js'
import { EXIT_FIND_VALUE, EXIT_STREAM } from '../../../../src/node/services/tunnels/exit-messages.js'
import { frame } from '../../../../src/node/services/tunnels/exit-frames.js'
import { MemoryExit, type MemoryCircuit } from '../../../helpers/memory-circuits.js'
import { MemoryServiceNetwork, type MemoryServiceNode } from '../../../helpers/memory-service-network.js'

/**
 * A reader whose network is a circuit to an exit (remote-network.ts), the exit
 * running the operations on its own network (network-exit.ts), on a memory
 * network of 30 nodes. What the far nodes see of the reader is the point.
 */
function setup (exitOpts: Partial<Parameters<typeof createNetworkExit>[0]> = {}): {
  net: MemoryServiceNetwork, nodes: MemoryServiceNode[], reader: MemoryServiceNode, exitNode: MemoryServiceNode,
  remote: RemoteServiceNetwork, exit: ReturnType<typeof createNetworkExit>, memory: MemoryExit, circuits: MemoryCircuit[]
} {
  const net = new MemoryServiceNetwork({ k: 8 })
  const nodes = net.addNodes(30)
  // The exit protocol carries IP endpoints; memory nodes get loopback ones (the exit allows them here).
  nodes.forEach((n, i) => { n.self.endpoint = { address: '127.0.0.1', port: 20000 + i } })
  const [reader, middle, exitNode] = nodes
  const memory = new MemoryExit(middle.self)
  const exit = createNetworkExit({ tunnels: memory, network: exitNode, localService: (s) => exitNode.services.get(s), allowPrivateEndpoints: true, ...exitOpts })
  const circuits: MemoryCircuit[] = []
  const current = (): MemoryCircuit => {
    const last = circuits.at(-1)
    if (last !== undefined && last.info.state === 'open') return last
    const c = memory.circuit()
    circuits.push(c)
    return c
  }
  const remote = new RemoteServiceNetwork({ self: reader.self, circuit: async () => current() })
  return { net, nodes, reader, exitNode, remote, exit, memory, circuits }
}

const key = (b: number): Buffer => Buffer.alloc(32, b)
const ids = (cs: Contact[]): string[] => cs.map(c => c.id.toString('hex'))

describe('RemoteServiceNetwork through a network exit', { timeout: 10_000 }, () => {
  it('finds the same closest nodes the exit finds itself, with their keys and ranks, never the reader', async () => {
    const { remote, exitNode, reader } = setup()
    const target = reader.self.id
    const viaExit = await remote.closest(target, { count: 8 })
    // The reader is the closest to its own id: the exit finds it, and it is left out, with the count still met.
    const direct = (await exitNode.closest(target, { count: 9 })).filter(c => !c.id.equals(reader.self.id))
    expect(ids(viaExit)).toEqual(ids(direct).slice(0, 8))
    expect(viaExit.length).toBe(8)
    expect(viaExit.every(c => c.publicKey !== undefined)).toBe(true)
    expect(ids(viaExit)).not.toContain(reader.self.id.toString('hex'))
  })

  it('runs requests at the exit: the target sees the exit, not the reader, and the reply comes back', async () => {
    const { remote, nodes, exitNode, reader } = setup()
    const seen: string[] = []
    const target = nodes[10]
    target.registerService('echo', { onRequest: async (payload, ctx) => { seen.push(ctx.from.id.toString('hex')); return Buffer.concat([Buffer.from('re:'), payload]) } })
    const reply = await remote.request(target.self, 'echo', Buffer.alloc(20_000, 5))
    expect(reply.subarray(0, 3).toString()).toBe('re:')
    expect(reply.length).toBe(20_003)
    expect(seen).toEqual([exitNode.self.id.toString('hex')])
    expect(seen).not.toContain(reader.self.id.toString('hex'))
  })

  it('finds values at the exit and checks them with the reader\'s own validator', async () => {
    const { remote, nodes } = setup()
    const k = key(0x42)
    const holders = new Set(nodes.slice(3).map(n => n.self.id.toString('hex')))
    for (const n of nodes.slice(3)) n.registerValueProvider(9, { get: (q) => q.equals(k) ? Buffer.from('the value') : undefined })
    expect(holders.size).toBeGreaterThan(0)
    const found = await remote.findValue(k, 9)
    expect(found?.value.toString()).toBe('the value')
    expect(holders.has(found?.from.id.toString('hex') ?? '')).toBe(true)
    let miss: unknown
    expect(await remote.findValue(key(0x43), 9, { onNoValue: m => { miss = m } })).toBeUndefined()
    expect(miss).toEqual({ notFound: expect.any(Number), stoppedEarly: false })
    // A value the reader's own validator refuses is a lie of the exit's: a miss.
    remote.registerValueProvider(9, { get: () => undefined, validate: () => false })
    expect(await remote.findValue(k, 9)).toBeUndefined()
  })

  it('opens streams at the exit: bytes both ways, the target sees the exit', async () => {
    const { remote, nodes, exitNode } = setup()
    const target = nodes[12]
    let from = ''
    target.registerService('upper', {
      onStream: (s, ctx) => {
        from = ctx.from.id.toString('hex')
        s.on('data', (d: Buffer) => s.write(Buffer.from(d.toString().toUpperCase())))
        s.on('end', () => s.end())
      }
    })
    const s = await remote.openStream(target.self, 'upper')
    const got: Buffer[] = []
    s.on('data', (d: Buffer) => got.push(d))
    s.write('hello through ')
    s.end('the exit')
    await once(s, 'end')
    expect(Buffer.concat(got).toString()).toBe('HELLO THROUGH THE EXIT')
    expect(from).toBe(exitNode.self.id.toString('hex'))
  })

  it('serves requests and streams for the exit itself with its own handlers (it may be the provider)', async () => {
    const { remote, exitNode } = setup()
    let from = ''
    exitNode.registerService('echo', {
      onRequest: async (p, ctx) => { from = ctx.from.id.toString('hex'); return Buffer.concat([Buffer.from('self:'), p]) },
      onStream: (s) => { s.on('data', (d: Buffer) => s.write(d)); s.on('end', () => s.end()) }
    })
    expect((await remote.request(exitNode.self, 'echo', Buffer.from('x'))).toString()).toBe('self:x')
    expect(from).toBe(exitNode.self.id.toString('hex'))
    const s = await remote.openStream(exitNode.self, 'echo')
    const got: Buffer[] = []
    s.on('data', (d: Buffer) => got.push(d))
    s.end('round trip')
    await once(s, 'end')
    expect(Buffer.concat(got).toString()).toBe('round trip')
    await expect(remote.request(exitNode.self, 'nothing-here', Buffer.from('x'))).rejects.toMatchObject({ code: 'LINK_UNKNOWN_SERVICE' })
  })

  it('passes the failures of the exit\'s calls on with their codes', async () => {
    const { remote, nodes, net } = setup()
    await expect(remote.request(nodes[11].self, 'nothing-here', Buffer.from('x'))).rejects.toMatchObject({ code: 'LINK_UNKNOWN_SERVICE' })
    await expect(remote.request(nodes[11].self, 'tunnel', Buffer.from('x'))).rejects.toMatchObject({ code: 'TUNNEL_NO_SUCH_SERVICE' })
    net.setFault(nodes[13], { down: true })
    await expect(remote.openStream(nodes[13].self, 'upper')).rejects.toMatchObject({ code: 'LINK_TIMEOUT' })
  })

  it('refuses private endpoints unless the exit allows them', async () => {
    const { remote, nodes } = setup({ allowPrivateEndpoints: false })
    nodes[14].registerService('echo', { onRequest: async (p) => p })
    await expect(remote.request(nodes[14].self, 'echo', Buffer.from('x'))).rejects.toMatchObject({ code: 'TUNNEL_INVALID_ARGUMENT' })
  })

  it('limits lookups per second per circuit and answers TUNNEL_LIMIT, then recovers', async () => {
    let t = 0
    const { remote, exit } = setup({ lookupsPerSecond: 2, now: () => t })
    // A burst of twice the rate, then refusals until time passes.
    for (let i = 0; i < 4; i++) await remote.closest(key(i))
    await expect(remote.closest(key(9))).rejects.toMatchObject({ code: 'TUNNEL_LIMIT' })
    await expect(remote.findValue(key(9), 9)).rejects.toMatchObject({ code: 'TUNNEL_LIMIT' })
    expect(exit.stats().limited).toBe(2)
    t += 1000
    await remote.closest(key(10))
  })

  it('limits streams per circuit', async () => {
    const { remote, nodes } = setup({ maxStreamsPerCircuit: 2 })
    nodes[15].registerService('hold', { onStream: () => {} })
    await remote.openStream(nodes[15].self, 'hold')
    await remote.openStream(nodes[15].self, 'hold')
    await expect(remote.openStream(nodes[15].self, 'hold')).rejects.toMatchObject({ code: 'TUNNEL_LIMIT' })
  })

  it('drops malformed questions without harm and serves the next', async () => {
    const { remote, exit, circuits, memory } = setup()
    const c = memory.circuit()
    for (const service of [EXIT_FIND_VALUE, EXIT_STREAM]) {
      const s = await c.openStream(service)
      s.on('error', () => {})
      s.write(frame(Buffer.from('not a question')))
      s.resume()
      await once(s, 'close')
    }
    const s = await c.openStream(EXIT_STREAM)
    s.on('error', () => {})
    s.write(Buffer.from([0xff, 0xff, 0xff, 0xff])) // a frame longer than any question
    s.resume()
    await once(s, 'close')
    expect(exit.stats().malformed).toBe(3)
    expect((await remote.closest(key(1))).length).toBeGreaterThan(0)
    expect(circuits.length).toBe(1)
  })

  it('fails an operation caught by a closing circuit and uses a new circuit for the next', async () => {
    const { remote, circuits, nodes } = setup()
    nodes[16].registerService('slow', { onRequest: async () => await new Promise(resolve => setTimeout(() => resolve(Buffer.from('late')), 50)) })
    nodes[16].registerService('hold', { onStream: () => {} })
    const s = await remote.openStream(nodes[16].self, 'hold')
    const closed = once(s, 'close')
    circuits[0].close(1)
    await closed
    expect(await remote.request(nodes[16].self, 'slow', Buffer.from('x'))).toEqual(Buffer.from('late'))
    expect(circuits.length).toBe(2)
  })
})
