import { afterEach, describe, expect, it } from 'vitest'
import { ReliableStream } from '../../../../src/node/link/stream/index.js'
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
async function world (limits: { maxBytesPerPair?: number, maxMsPerPair?: number, maxPairsPerSource?: number, onForward?: (p: Buffer) => void } = {}): Promise<{ network: MemoryNetwork, relay: TestNode, a: TestNode, t: TestNode, innerA: Link, innerT: Link, ta: RelayTransport, tt: RelayTransport, server: ReturnType<typeof registerRelayServer> }> {
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
  return { network, relay, a, t, innerA, innerT, ta, tt, server }
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

  it('a source host holds at most maxClientsPerHost relay streams; a client reopening replaces its own', async () => {
    const network = new MemoryNetwork()
    const relay = makeNode(network.createTransport({ address: '198.18.0.1', port: 7000 }))
    // Three nodes on one host (one address, three ports), one on another.
    const same = [7001, 7002, 7003].map(port => makeNode(network.createTransport({ address: '198.18.5.5', port })))
    const other = makeNode(network.createTransport({ address: '198.18.6.6', port: 7000 }))
    const all = [relay, ...same, other]
    closers.push(async () => { for (const n of all) { await n.link.close(); await n.transport.close() } })
    const server = registerRelayServer({ link: relay.link, maxClientsPerHost: 2 })
    const transports: RelayTransport[] = []
    const refusals: string[] = []
    for (const n of [...same, other]) {
      try {
        transports.push(await RelayTransport.open(n.link, relay.contact, { keepMs: 0 }))
      } catch (err) {
        refusals.push((err as Error).message)
      }
    }
    closers.push(async () => { for (const t of transports) await t.close() })
    for (let i = 0; i < 100 && server.clients() + server.stats.refused < 4; i++) await new Promise((resolve) => setTimeout(resolve, 10))
    expect(server.stats.refused).toBe(1)
    expect(server.clients()).toBe(3)
    // The third node on the host was refused (and told so by the reset), the other host's node was not.
    expect(refusals).toEqual(['the relay refused the stream'])
    expect(transports.length).toBe(3)
    // The first node opens a second stream: it takes its own place, not a new one.
    await transports[0].close()
    transports[0] = await RelayTransport.open(same[0].link, relay.contact, { keepMs: 0 })
    await new Promise((resolve) => setTimeout(resolve, 100))
    expect(server.clients()).toBe(3)
    expect(server.stats.refused).toBe(1)
  })

  it('a source reaches at most maxPairsPerSource destinations: packets to another are dropped, its pair goes on', async () => {
    const w = await world({ maxPairsPerSource: 1 })
    const peerT = { endpoint: w.ta.addPeer(w.t.identity.id), publicKey: w.t.identity.publicKey }
    expect((await w.innerA.request(peerT, 'echo', Buffer.from('first pair'))).toString()).toBe('first pair')
    // A third client of the relay, on its own host.
    const u = makeNode(w.network.createTransport({ address: '198.18.3.3', port: 7000 }))
    closers.push(async () => { await u.link.close(); await u.transport.close() })
    const tu = await RelayTransport.open(u.link, w.relay.contact, { keepMs: 0 })
    closers.push(async () => { await tu.close() })
    for (let i = 0; i < 100 && w.server.clients() < 3; i++) await new Promise((resolve) => setTimeout(resolve, 10))
    expect(w.server.clients()).toBe(3)
    const dropped = w.server.stats.droppedLimit
    w.ta.send(Buffer.alloc(100, 1), w.ta.addPeer(u.identity.id))
    for (let i = 0; i < 100 && w.server.stats.droppedLimit === dropped; i++) await new Promise((resolve) => setTimeout(resolve, 10))
    expect(w.server.stats.droppedLimit).toBe(dropped + 1)
    expect(tu.stats.received).toBe(0)
    expect((await w.innerA.request(peerT, 'echo', Buffer.from('still'))).toString()).toBe('still')
  })

  it('a client that stops reading costs the relay a bounded backlog: packets for it are dropped, not queued', async () => {
    const network = new MemoryNetwork()
    const relay = makeNode(network.createTransport({ address: '198.18.0.1', port: 7000 }))
    const a = makeNode(network.createTransport({ address: '198.18.1.1', port: 7000 }))
    // T's streams hold at most 64 KiB unread: past that its receive window closes.
    const t = makeNode(network.createTransport({ address: '198.18.2.1', port: 7000 }), {
      streamFactory: (init) => new ReliableStream({ send: init.send, sendData: init.sendData, mtu: init.mtu, initiator: init.initiator, onClose: init.onClose, maxReceiveWindow: 64 * 1024 })
    })
    closers.push(async () => { for (const n of [relay, a, t]) { await n.link.close(); await n.transport.close() } })
    const maxQueuedBytes = 128 * 1024
    const server = registerRelayServer({ link: relay.link, maxQueuedBytes })
    // T registers and then never reads its stream.
    const stalled = await t.link.openStream(relay.contact, 'relay')
    stalled.on('error', () => {})
    stalled.write(encodeRelayFrame({ id: t.identity.id, packet: Buffer.from([0]) }))
    const sender = await a.link.openStream(relay.contact, 'relay')
    sender.on('error', () => {})
    for (let i = 0; i < 100 && server.clients() < 1; i++) await new Promise((resolve) => setTimeout(resolve, 10))
    const packet = Buffer.alloc(1000, 3)
    const n = 1000
    for (let i = 0; i < n; i++) sender.write(encodeRelayFrame({ id: t.identity.id, packet }))
    for (let i = 0; i < 1000 && server.stats.forwarded + server.stats.droppedBusy + server.stats.droppedNoPeer < n; i++) {
      await new Promise((resolve) => setTimeout(resolve, 10))
    }
    expect(server.stats.droppedNoPeer).toBe(0)
    expect(server.stats.forwarded + server.stats.droppedBusy).toBe(n)
    expect(server.stats.droppedBusy).toBeGreaterThan(0)
    // What passed fits T's window plus the relay's bound (and the one frame that crossed it).
    expect(server.stats.forwarded * (packet.length + 34)).toBeLessThanOrEqual(64 * 1024 + maxQueuedBytes + 2 * (packet.length + 34))
  }, 30_000)

  it('a relay stream lost under a relayed session is reopened by the next packet, and the session goes on', async () => {
    const w = await world()
    const peerT = { endpoint: w.ta.addPeer(w.t.identity.id), publicKey: w.t.identity.publicKey }
    expect((await w.innerA.request(peerT, 'echo', Buffer.from('before'))).toString()).toBe('before')
    const opened = w.ta.stats.streamsOpened
    // Another stream from A's node takes A's place at the relay, which resets A's stream.
    const other = await RelayTransport.open(w.a.link, w.relay.contact, { keepMs: 0 })
    closers.push(async () => { await other.close() })
    for (let i = 0; i < 200 && w.ta.openRelays().length > 0; i++) await new Promise((resolve) => setTimeout(resolve, 10))
    expect(w.ta.openRelays()).toEqual([])
    // The end-to-end session survives: its next packet reopens the stream, a retransmission gets through.
    expect((await w.innerA.request(peerT, 'echo', Buffer.from('after'))).toString()).toBe('after')
    expect(w.ta.stats.noStream).toBeGreaterThan(0)
    expect(w.ta.stats.streamsOpened).toBe(opened + 1)
  })
})
