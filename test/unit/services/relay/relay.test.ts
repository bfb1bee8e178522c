import { afterEach, describe, expect, it } from 'vitest'
import { createLink, type Link } from '../../../../src/node/link/link.js'
import { registerRelayServer, RelayTransport } from '../../../../src/node/services/relay/index.js'
import { MemoryNetwork } from '../../../../src/node/transport/memory.js'
import { encodeRelayFrame, RelayFrameReader } from '../../../../src/node/wire/relay-frames.js'
import { makeNode, type TestNode } from '../../../helpers/link-testnet.js'
import { MemoryNats } from '../../../helpers/memory-nat.js'

let closers: Array<() => Promise<void>> = []
afterEach(async () => {
  for (const c of closers.reverse()) await c()
  closers = []
})

/** Two nodes behind symmetric NATs and a public relay, with each NATted node's end-to-end link on a RelayTransport. */
async function world (limits: { maxBytesPerPair?: number, maxMsPerPair?: number, onForward?: (p: Buffer) => void } = {}): Promise<{ relay: TestNode, a: TestNode, t: TestNode, innerA: Link, innerT: Link, ta: RelayTransport, tt: RelayTransport, server: ReturnType<typeof registerRelayServer> }> {
  const network = new MemoryNetwork()
  const nats = new MemoryNats(network)
  nats.add('10.1.0.1', '198.18.1.1', 'symmetric')
  nats.add('10.2.0.1', '198.18.2.1', 'symmetric')
  const relay = makeNode(network.createTransport({ address: '198.18.0.1', port: 7000 }))
  const a = makeNode(network.createTransport({ address: '10.1.0.1', port: 7000 }))
  const t = makeNode(network.createTransport({ address: '10.2.0.1', port: 7000 }))
  closers.push(async () => { for (const n of [relay, a, t]) { await n.link.close(); await n.transport.close() } })
  const server = registerRelayServer({ link: relay.link, ...limits })
  const ta = await RelayTransport.open(a.link, relay.contact)
  const tt = await RelayTransport.open(t.link, relay.contact)
  const innerA = createLink({ identity: a.identity, transport: ta })
  const innerT = createLink({ identity: t.identity, transport: tt })
  closers.push(async () => { await innerA.close(); await innerT.close() })
  innerT.registerService('echo', { onRequest: async (_p, b) => b })
  // Each transport's hello registers it at the relay.
  for (let i = 0; i < 100 && server.clients() < 2; i++) await new Promise((resolve) => setTimeout(resolve, 10))
  expect(server.clients()).toBe(2)
  return { relay, a, t, innerA, innerT, ta, tt, server }
}

describe('relays', () => {
  it('frames: round trip split anywhere, and an empty packet is refused', () => {
    const id = Buffer.alloc(32, 7)
    const bytes = Buffer.concat([encodeRelayFrame({ id, packet: Buffer.from('one') }), encodeRelayFrame({ id, packet: Buffer.alloc(1300, 2) })])
    for (const cut of [1, 20, 34, 36, 40, bytes.length - 1]) {
      const r = new RelayFrameReader()
      const got = [...r.push(bytes.subarray(0, cut)), ...r.push(bytes.subarray(cut))]
      expect(got.map(f => f.packet.length), String(cut)).toEqual([3, 1300])
      expect(got[0].id.equals(id)).toBe(true)
    }
    expect(() => new RelayFrameReader().push(Buffer.alloc(34))).toThrow(/empty/)
    expect(() => encodeRelayFrame({ id, packet: Buffer.alloc(0) })).toThrow(RangeError)
  })

  it('a node behind a symmetric NAT is served to another NATted node through the relay, end to end encrypted, metered as "relay"', async () => {
    const forwarded: Buffer[] = []
    const w = await world({ onForward: (p) => forwarded.push(p) })
    const peerT = { endpoint: w.ta.addPeer(w.t.identity.id), publicKey: w.t.identity.publicKey }
    const secret = 'only the two ends read this'
    const got = await w.innerA.request(peerT, 'echo', Buffer.from(secret))
    expect(got.toString()).toBe(secret)
    const big = Buffer.alloc(40_000, 9)
    expect((await w.innerA.request(peerT, 'echo', big)).equals(big)).toBe(true)
    expect(w.server.stats.forwarded).toBeGreaterThan(4)
    // The relay's own link metered the streams under "relay".
    const relayed = w.relay.meter.byKind.get('relay')
    expect(relayed?.in).toBeGreaterThan(2 * big.length)
    expect(relayed?.out).toBeGreaterThan(2 * big.length)
    // Ciphertext only: no packet the relay forwarded holds the plaintext.
    expect(forwarded.length).toBe(w.server.stats.forwarded)
    expect(forwarded.some(p => p.includes(Buffer.from(secret)) || p.includes(Buffer.alloc(64, 9)))).toBe(false)
  })

  it('bytes per pair are limited: past the limit the relay drops, and the end-to-end request times out', async () => {
    const w = await world({ maxBytesPerPair: 6000 })
    const peerT = { endpoint: w.ta.addPeer(w.t.identity.id), publicKey: w.t.identity.publicKey }
    expect((await w.innerA.request(peerT, 'echo', Buffer.from('fits'))).toString()).toBe('fits')
    await expect(w.innerA.request(peerT, 'echo', Buffer.alloc(20_000), { timeoutMs: 800 })).rejects.toBeDefined()
    expect(w.server.stats.droppedLimit).toBeGreaterThan(0)
  })

  it('time per pair is limited', async () => {
    const w = await world({ maxMsPerPair: 1000 })
    const peerT = { endpoint: w.ta.addPeer(w.t.identity.id), publicKey: w.t.identity.publicKey }
    expect((await w.innerA.request(peerT, 'echo', Buffer.from('in time'))).toString()).toBe('in time')
    await new Promise((resolve) => setTimeout(resolve, 1100))
    await expect(w.innerA.request(peerT, 'echo', Buffer.from('late'), { timeoutMs: 600 })).rejects.toBeDefined()
    expect(w.server.stats.droppedLimit).toBeGreaterThan(0)
  })
})
