import { describe, expect, it } from 'vitest'
import { Dht, type RpcPort } from '../../../src/node/routing/dht.js'
import type { Contact } from '../../../src/node/routing/contact.js'
import { MemoryNetwork, type MemoryNode } from '../../../src/node/routing/simulator/memory-network.js'
import { VirtualClock } from '../../../src/node/routing/simulator/virtual-clock.js'
import { Prng } from '../../../src/node/routing/simulator/prng.js'
import { decodeRoutingMessage, encodeRoutingMessage, type WireContact } from '../../../src/node/wire/routing-messages.js'
import type { Endpoint } from '../../../src/node/types.js'

/**
 * Item 10a of issue 12: a routing reply that names an honest id at a bogus
 * endpoint must not move that id in our table, must not count failures
 * against it, and costs the liar its place; contacts at loopback, private or
 * multicast endpoints from peers are ignored unless allowPrivateEndpoints.
 */

/**
 * The port the real node gives its Dht reaches a node by id over an open
 * session when there is one, whatever endpoint the contact names (see
 * Link.sessionFor): so a request to a forged contact can reach the real node.
 */
function linkLikePort (inner: RpcPort): { port: RpcPort, sessions: Map<string, Endpoint> } {
  const sessions = new Map<string, Endpoint>()
  const port: RpcPort = {
    self: inner.self,
    now: () => inner.now(),
    send: async (to, payload, opts) => {
      const open = to.id.length === 32 ? sessions.get(to.id.toString('hex')) : undefined
      const reply = await inner.send(open !== undefined ? { ...to, endpoint: open } : to, payload, opts)
      if (to.id.length === 32 && open === undefined) sessions.set(to.id.toString('hex'), to.endpoint)
      return reply
    }
  }
  return { port, sessions }
}

/** Makes `liar` answer every FIND with `contacts`, and everything else honestly. */
function lieWith (liar: MemoryNode, contacts: WireContact[]): void {
  const real = liar.handler
  liar.handler = async (from, payload) => {
    const m = decodeRoutingMessage(payload)
    if (m.type === 'find') return encodeRoutingMessage({ type: 'nodes', contacts })
    return await (real as NonNullable<typeof real>)(from, payload)
  }
}

interface Scene { clock: VirtualClock, v: Dht, sessions: Map<string, Endpoint>, liar: MemoryNode, honest: MemoryNode }

/**
 * Three nodes: the victim, a liar and an honest node, the victim knowing both
 * (as after talking to them). With `honestUnusable` the honest contact has
 * failed twice, so a lookup does not start from it and first hears of it from
 * the liar's reply.
 */
function scene (seed: number, honestUnusable: boolean): Scene {
  const clock = new VirtualClock()
  const net = new MemoryNetwork(clock, { seed, loss: 0 })
  const prng = new Prng(seed)
  const dhtOf = (n: MemoryNode, port: RpcPort = n.port): Dht => {
    const d = new Dht(port, { clock, randomBytes: k => prng.bytes(k), allowPrivateEndpoints: true })
    n.handler = async (from, payload) => await d.handleRequest(from, payload)
    return d
  }
  const me = net.addNode()
  const liar = net.addNode()
  const honest = net.addNode()
  const { port, sessions } = linkLikePort(me.port)
  const v = dhtOf(me, port)
  const l = dhtOf(liar)
  const h = dhtOf(honest)
  v.onContactSeen(liar.contact, 20)
  v.onContactSeen(honest.contact, 20)
  l.onContactSeen(me.contact); l.onContactSeen(honest.contact)
  h.onContactSeen(me.contact); h.onContactSeen(liar.contact)
  if (honestUnusable) {
    v.table.markFailed(honest.contact.id, clock.now())
    v.table.markFailed(honest.contact.id, clock.now())
    expect(v.table.closest(prng.bytes(32), 20).map(c => c.id)).toEqual([liar.contact.id])
  }
  return { clock, v, sessions, liar, honest }
}

const BOGUS: Endpoint = { address: '10.250.250.250', port: 7000 }

const forged = (honest: MemoryNode): WireContact[] => [{ id: honest.contact.id, endpoint: BOGUS, publicKey: honest.contact.publicKey }]

describe('lying routing replies', () => {
  it('a reply naming an honest id at a bogus endpoint does not replace the honest endpoint in the table', async () => {
    const { clock, v, sessions, liar, honest } = scene(21, true)
    // The victim has an open session with the honest node: a request to the forged contact reaches it there.
    sessions.set(honest.contact.id.toString('hex'), honest.contact.endpoint)
    lieWith(liar, forged(honest))
    const queried: Endpoint[] = []
    await clock.drive(v.findNode(Buffer.alloc(32, 7), { onProgress: e => { if (e.type === 'query') queried.push(e.contact.endpoint) } }))
    expect(queried).toContainEqual(BOGUS)
    expect(v.table.get(honest.contact.id)?.endpoint).toEqual(honest.contact.endpoint)
  })

  it('a failure to reach the bogus endpoint does not count against the honest contact', async () => {
    const { clock, v, liar, honest } = scene(22, true)
    lieWith(liar, forged(honest))
    const failures: Endpoint[] = []
    await clock.drive(v.findNode(Buffer.alloc(32, 7), { onProgress: e => { if (e.type === 'failure') failures.push(e.contact.endpoint) } }))
    expect(failures).toContainEqual(BOGUS)
    expect(v.table.get(honest.contact.id)?.failures).toBe(2)
    expect(v.table.get(honest.contact.id)?.endpoint).toEqual(honest.contact.endpoint)
  })

  it('the liar is dropped from the table when it names a node we know, recently heard from, at another endpoint', async () => {
    const { clock, v, liar, honest } = scene(23, false)
    lieWith(liar, forged(honest))
    const lies: Contact[] = []
    const r = await clock.drive(v.findNode(Buffer.alloc(32, 7), { onProgress: e => { if (e.type === 'lying') lies.push(e.contact) } }))
    expect(v.table.has(liar.contact.id)).toBe(false)
    expect(v.table.get(honest.contact.id)?.endpoint).toEqual(honest.contact.endpoint)
    expect(v.table.get(honest.contact.id)?.failures).toBe(0)
    expect(r.lying).toBeGreaterThanOrEqual(1)
    expect(lies.map(c => c.id)).toContainEqual(liar.contact.id)
  })

  it('a reply naming a known node at its address but another port (a NAT mapping) is not held against the replier', async () => {
    const { clock, v, liar, honest } = scene(24, false)
    const otherPort = { ...honest.contact.endpoint, port: honest.contact.endpoint.port + 1 }
    lieWith(liar, [{ id: honest.contact.id, endpoint: otherPort, publicKey: honest.contact.publicKey }])
    await clock.drive(v.findNode(Buffer.alloc(32, 7)))
    expect(v.table.has(liar.contact.id)).toBe(true)
    expect(v.table.get(honest.contact.id)?.endpoint).toEqual(honest.contact.endpoint)
    expect(v.table.get(honest.contact.id)?.failures).toBe(0)
  })
})

describe('private endpoints in peers\' contacts', () => {
  const NAMED: Endpoint[] = [
    { address: '10.1.2.3', port: 7000 },
    { address: '127.0.0.2', port: 7000 },
    { address: '224.0.0.5', port: 7000 },
    { address: '192.168.1.9', port: 7000 },
    { address: '203.0.113.200', port: 7000 }
  ]

  async function queriedEndpoints (allowPrivateEndpoints: boolean): Promise<string[]> {
    const clock = new VirtualClock()
    const net = new MemoryNetwork(clock, { seed: 5, loss: 0 })
    const prng = new Prng(77)
    const peer = net.addNode({ address: '203.0.113.1', port: 7000 })
    const peerDht = new Dht(peer.port, { clock, randomBytes: n => prng.bytes(n), allowPrivateEndpoints })
    peer.handler = async (from, payload) => await peerDht.handleRequest(from, payload)
    const me = net.addNode({ address: '203.0.113.2', port: 7000 })
    const v = new Dht(me.port, { clock, randomBytes: n => prng.bytes(n), allowPrivateEndpoints })
    me.handler = async (from, payload) => await v.handleRequest(from, payload)
    await clock.drive(v.bootstrap([peer.contact.endpoint], { refreshLevels: false }))
    lieWith(peer, NAMED.map(endpoint => {
      const publicKey = prng.bytes(32)
      return { id: Buffer.alloc(32), endpoint, publicKey }
    }).map(c => ({ ...c, id: decodeRoutingMessage(encodeRoutingMessage({ type: 'nodes', contacts: [c] })).contacts[0].id })))
    const queried: string[] = []
    await clock.drive(v.findNode(prng.bytes(32), { onProgress: e => { if (e.type === 'query') queried.push(e.contact.endpoint.address) } }))
    return queried
  }

  it('ignores 10.x, 127.x, 224.x and 192.168.x contacts from a peer when the switch is off', async () => {
    const queried = await queriedEndpoints(false)
    expect(queried).toContain('203.0.113.200')
    for (const a of ['10.1.2.3', '127.0.0.2', '224.0.0.5', '192.168.1.9']) expect(queried).not.toContain(a)
  })

  it('keeps them when allowPrivateEndpoints is on (a LAN test network)', async () => {
    const queried = await queriedEndpoints(true)
    for (const e of NAMED) expect(queried).toContain(e.address)
  })
})
