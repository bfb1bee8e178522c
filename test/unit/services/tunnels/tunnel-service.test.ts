import { afterEach, describe, expect, it } from 'vitest'
import { randomBytes } from 'node:crypto'
import { MemoryServiceNetwork } from '../../../helpers/memory-service-network.js'
import { LinkCommand } from '../../../../src/node/services/tunnels/cell.js'
import type { Channel } from '../../../../src/node/services/tunnels/channel.js'
import type { OriginCircuit } from '../../../../src/node/services/tunnels/circuit.js'
import { STREAM_WINDOW } from '../../../../src/node/services/tunnels/flow-control.js'
import { RELAY_DATA_MAX } from '../../../../src/node/services/tunnels/relay-message.js'
import { createTunnelService, type TunnelServiceHandle, type TunnelServiceOptions } from '../../../../src/node/services/tunnels/tunnel-service.js'
import { END_REASON, type Circuit } from '../../../../src/node/services/tunnels/tunnel-api.js'
import type { CircuitStream } from '../../../../src/node/services/tunnels/circuit-stream.js'

/** Tunnels on N in-process nodes (duplex pairs for link streams): the protocol without UDP. */
function memoryTunnels (n: number, net = new MemoryServiceNetwork(), extra: Partial<TunnelServiceOptions> = {}): TunnelServiceHandle[] {
  const nodes = net.addNodes(n)
  const services = nodes.map(node => createTunnelService({
    network: node,
    identity: node.identity,
    // The memory network routes by id; EXTEND carries an IP endpoint, so each node gets one in its own /16.
    directory: { candidates: () => nodes.filter(o => o !== node).map(o => ({ ...o.self, endpoint: { address: `10.${nodes.indexOf(o)}.0.1`, port: 4000 } })) },
    minRank: 0,
    allowPrivateEndpoints: true,
    extendTimeoutMs: 2000,
    ...extra
  }))
  for (const s of services) s.start()
  running.push(...services)
  return services
}

const running: TunnelServiceHandle[] = []
afterEach(async () => { await Promise.all(running.splice(0).map(async s => { await s.stop() })) })
const hopsOf = (c: Circuit): string[] => (c as OriginCircuit).hops.map(h => h.id.toString('hex'))
const sleep = async (ms: number): Promise<void> => { await new Promise(resolve => setTimeout(resolve, ms)) }

describe('TunnelService in memory', () => {
  it('a tagged cell is dropped at the first hop that checks it, counted, and the circuit torn down', async () => {
    const nodes = memoryTunnels(6)
    const circuit = await nodes[0].build({ hops: 3 })
    const closed = new Promise(resolve => { circuit.onClose(resolve) })
    const internal = circuit as unknown as { channel: Channel, circuitId: number }
    internal.channel.send({ circuitId: internal.circuitId, command: LinkCommand.relay, body: randomBytes(1019) })
    expect(await closed).toBe(END_REASON.protocol)
    const entry = nodes.find(s => s.internals.relays.size === 0 && s.stats().droppedByReason['bad-auth'] === 1)
    expect(entry).toBeDefined()
    expect(nodes[0].stats().circuitsOrigin).toBe(0)
    // Every relay along the path let go of the circuit.
    await sleep(20)
    expect(nodes.reduce((n, s) => n + s.internals.relays.size, 0)).toBe(0)
  })

  it('a reader that stops reading stops the sender at the stream window, then gets every byte', async () => {
    const nodes = memoryTunnels(5)
    let server: CircuitStream | undefined
    const total = 3 * 1024 * 1024
    for (const s of nodes) {
      s.handleStream('firehose', (stream) => {
        server = stream as CircuitStream
        const chunk = Buffer.alloc(64 * 1024, 7)
        let sent = 0
        const pump = (): void => {
          while (sent < total) {
            sent += chunk.length
            if (!stream.write(chunk)) { stream.once('drain', pump); return }
          }
          stream.end()
        }
        pump()
      })
    }
    const circuit = await nodes[0].build({ hops: 3 })
    const stream = await circuit.openStream('firehose')
    await sleep(300)
    // Nothing read yet: the far side sent at most one stream window (plus what the reader's buffer took).
    expect(server!.bytesOut).toBeLessThanOrEqual(STREAM_WINDOW * RELAY_DATA_MAX + 128 * 1024)
    expect(server!.bytesOut).toBeGreaterThan(0)
    let got = 0
    for await (const b of stream as AsyncIterable<Buffer>) got += b.length
    expect(got).toBe(total)
  })

  it('circuitFor reuses a circuit per isolation tag, and distinct tags share no hop', async () => {
    const nodes = memoryTunnels(10)
    const a1 = await nodes[0].circuitFor(3, 'alice')
    const a2 = await nodes[0].circuitFor(3, 'alice')
    const b = await nodes[0].circuitFor(3, 'bob')
    expect(a2).toBe(a1)
    expect(b).not.toBe(a1)
    expect(hopsOf(b).filter(h => hopsOf(a1).includes(h))).toEqual([])
    a1.close()
    const a3 = await nodes[0].circuitFor(3, 'alice')
    expect(a3).not.toBe(a1)
    expect(a3.info.state).toBe('open')
  })

  it('a hop whose channels close under it closes the circuit with hopFailed at the origin', async () => {
    const nodes = memoryTunnels(6)
    const circuit = await nodes[0].build({ hops: 3 })
    const reason = new Promise(resolve => { circuit.onClose(resolve) })
    // The last relay (its view has no next) goes away without a word: its channels just close.
    const last = nodes.find(s => s !== nodes[0] && [...s.internals.relays].some(r => r.view().next === undefined))!
    for (const ch of last.internals.channels) ch.close()
    expect(await reason).toBe(END_REASON.hopFailed)
    await expect(circuit.openStream('anything')).rejects.toMatchObject({ reason: END_REASON.hopFailed })
  })

  it('a hop notifies the origin; requests carry ids, time out, and the handler error comes back with its code', async () => {
    const nodes = memoryTunnels(5)
    const heard: Array<{ name: string, payload: string, circuit: string }> = []
    nodes[0].onNotify((circuit, name, payload) => { heard.push({ name, payload: payload.toString(), circuit: circuit.info.id }) })
    for (const s of nodes) {
      s.handleRequest('later', async (payload, ctx) => { setTimeout(() => { ctx.notify('ping', payload) }, 10); return Buffer.from('ok') })
      s.handleRequest('slow', async () => await new Promise<Buffer>(() => {}))
      s.handleRequest('fails', async () => { throw Object.assign(new Error('no room'), { code: 'TUNNEL_LIMIT' }) })
    }
    const circuit = await nodes[0].build({ hops: 3 })
    const answers = await Promise.all([circuit.request('later', Buffer.from('a')), circuit.request('later', Buffer.from('b'))])
    expect(answers.map(b => b.toString())).toEqual(['ok', 'ok'])
    await sleep(100)
    expect(heard.map(h => h.payload).sort()).toEqual(['a', 'b'])
    expect(heard.every(h => h.name === 'ping' && h.circuit === circuit.info.id)).toBe(true)
    await expect(circuit.request('slow', Buffer.alloc(0), { timeoutMs: 100 })).rejects.toMatchObject({ code: 'TUNNEL_TIMEOUT' })
    await expect(circuit.request('fails', Buffer.alloc(0))).rejects.toMatchObject({ code: 'TUNNEL_LIMIT' })
  })

  it('a relay that cannot reach the next hop answers TRUNCATED: the build fails with EXTEND_FAILED and leaves nothing behind', async () => {
    const net = new MemoryServiceNetwork()
    const nodes = memoryTunnels(4, net)
    const memoryNodes = (net as unknown as { byId: Map<string, Parameters<MemoryServiceNetwork['setFault']>[0]> }).byId
    const dead = [...memoryNodes.values()][3]
    net.setFault(dead, { down: true })
    const deadContact = { ...dead.self, endpoint: { address: '10.3.0.1', port: 4000 } }
    await expect(nodes[0].build({ hops: 2, lastHop: deadContact })).rejects.toMatchObject({ code: 'TUNNEL_EXTEND_FAILED' })
    expect(nodes[0].circuits()).toEqual([])
    await sleep(20)
    expect(nodes.reduce((n, s) => n + s.internals.relays.size, 0)).toBe(0)
  })

  it('an aborted build throws TIMEOUT and closes the half-built circuit', async () => {
    const nodes = memoryTunnels(5)
    const ac = new AbortController()
    const building = nodes[0].build({ hops: 3, signal: ac.signal, onHop: (i) => { if (i === 0) ac.abort() } })
    await expect(building).rejects.toMatchObject({ code: 'TUNNEL_TIMEOUT' })
    expect(nodes[0].circuits()).toEqual([])
  })

  it('extend adds one hop to an open circuit, never a relay already on it', async () => {
    const nodes = memoryTunnels(5)
    const target = nodes[4]
    let reached = false
    target.handleStream('here', (stream) => { reached = true; stream.end('hi') })
    const circuit = await nodes[0].build({ hops: 2, exclude: [target.identity.id] })
    const on = (circuit as OriginCircuit).hops
    await expect(circuit.extend(on[0])).rejects.toMatchObject({ code: 'TUNNEL_INVALID_ARGUMENT' })
    const contact = { id: target.identity.id, publicKey: target.identity.publicKey, rank: 0, endpoint: { address: '10.4.0.1', port: 4000 } }
    await circuit.extend(contact as unknown as Parameters<Circuit['extend']>[0])
    expect(hopsOf(circuit)).toHaveLength(3)
    expect(hopsOf(circuit)[2]).toBe(target.identity.id.toString('hex'))
    expect(circuit.info.state).toBe('open')
    const stream = await circuit.openStream('here')
    let got = ''
    for await (const b of stream as AsyncIterable<Buffer>) got += b.toString()
    expect(got).toBe('hi')
    expect(reached).toBe(true)
  })

  it('pre-built circuits are extended to the chosen last hop instead of built anew, and the pool refills', async () => {
    const nodes = memoryTunnels(7, new MemoryServiceNetwork(), { preemptive: { circuits: 2, hops: 2 } })
    const pooled = async (): Promise<OriginCircuit[]> => {
      for (let i = 0; i < 200; i++) {
        const open = [...nodes[0].internals.origin.values()].filter(c => c.info.state === 'open' && c.info.purpose === 'general')
        if (open.length >= 2) return open
        await sleep(10)
      }
      throw new Error('the pool never filled')
    }
    const before = await pooled()
    const prefixes = before.map(c => hopsOf(c).join())
    const last = nodes.slice(1).find(s => !before.some(c => hopsOf(c).includes(s.identity.id.toString('hex'))))!
    const contact = { id: last.identity.id, publicKey: last.identity.publicKey, rank: 0, endpoint: { address: `10.${nodes.indexOf(last)}.0.1`, port: 4000 } }
    const circuit = await nodes[0].build({ hops: 3, purpose: 'hs-intro', lastHop: contact as unknown as Parameters<Circuit['extend']>[0] })
    expect(before).toContain(circuit)
    expect(circuit.info.purpose).toBe('hs-intro')
    expect(prefixes).toContain(hopsOf(circuit).slice(0, 2).join())
    expect(hopsOf(circuit)[2]).toBe(last.identity.id.toString('hex'))
    // A relay of a pooled circuit asked as last hop: that circuit is not used (a relay never twice).
    const other = before.find(c => c !== circuit)!
    const onOther = nodes.find(s => s.identity.id.toString('hex') === hopsOf(other)[0])!
    const again = await nodes[0].build({ hops: 3, purpose: 'hs-service', lastHop: { id: onOther.identity.id, publicKey: onOther.identity.publicKey, rank: 0, endpoint: { address: `10.${nodes.indexOf(onOther)}.0.1`, port: 4000 } } as unknown as Parameters<Circuit['extend']>[0] })
    expect(again).not.toBe(other)
    expect(new Set(hopsOf(again)).size).toBe(3)
    // Taken circuits are replaced in the background.
    const after = await pooled()
    expect(after.some(c => c === circuit || c === again)).toBe(false)
  })

  it('an optimistic stream carries data sent before CONNECTED; a refused BEGIN fails the stream', async () => {
    const nodes = memoryTunnels(5)
    for (const s of nodes) s.handleStream('echo', (stream) => { stream.pipe(stream) })
    const circuit = await nodes[0].build({ hops: 3 })
    const stream = await circuit.openStream('echo', { optimistic: true })
    stream.end('hello before connected')
    let got = ''
    for await (const b of stream as AsyncIterable<Buffer>) got += b.toString()
    expect(got).toBe('hello before connected')
    const refused = await circuit.openStream('nobody-here', { optimistic: true })
    const err = await new Promise<Error>(resolve => { refused.once('error', resolve); refused.write('x') })
    expect(err).toMatchObject({ code: 'TUNNEL_NO_SUCH_SERVICE' })
    expect(circuit.info.state).toBe('open')
  })
})
