import type { Duplex } from 'node:stream'
import { afterEach, describe, expect, it } from 'vitest'
import type { Dht } from '../../../../src/node/routing/dht.js'
import { makeContact, type Contact } from '../../../../src/node/routing/contact.js'
import { LinkServiceNetwork } from '../../../../src/node/services/link-service-network.js'
import { createPunchService, type PunchService } from '../../../../src/node/services/punch/index.js'
import { createRelayClient, registerRelayServer, type RelayClient, type RelayServer } from '../../../../src/node/services/relay/index.js'
import { MemoryNetwork } from '../../../../src/node/transport/memory.js'
import { makeNode, type TestNode } from '../../../helpers/link-testnet.js'
import { MemoryNats } from '../../../helpers/memory-nat.js'

const fast = { limits: { handshakeTimeoutMs: 1500, handshakeRetryMs: 50 } }
let closers: Array<() => Promise<void>> = []
afterEach(async () => {
  for (const c of closers.reverse()) await c()
  closers = []
})

interface World {
  relay: TestNode
  a: TestNode
  t: TestNode
  server: RelayServer
  clientA: RelayClient
  clientT: RelayClient
  pA: PunchService
  pT: PunchService
  /** T as a provider record names it: its private (unroutable) endpoint and its introducers. */
  contactT: () => Contact
  /** A's service network, with the punch calls it made counted. */
  netA: (o?: { punchHopeless?: boolean }) => { net: LinkServiceNetwork, punches: () => number }
}

/**
 * A public node (introducer and relay) and two nodes behind symmetric NATs (memory NATs that
 * translate as `masquerade random` does). T runs a LinkServiceNetwork whose services answer on its
 * relayed link too; it keeps a relay stream to its introducer unless `reserve` is false.
 */
async function world (o: { reserve?: boolean } = {}): Promise<World> {
  const network = new MemoryNetwork()
  const nats = new MemoryNats(network)
  nats.add('10.1.0.1', '198.18.1.1', 'symmetric')
  nats.add('10.2.0.1', '198.18.2.1', 'symmetric')
  const relay = makeNode(network.createTransport({ address: '198.18.0.1', port: 7000 }), fast)
  const a = makeNode(network.createTransport({ address: '10.1.0.1', port: 7000 }), fast)
  const t = makeNode(network.createTransport({ address: '10.2.0.1', port: 7000 }), fast)
  const punches = [relay, a, t].map(n => createPunchService({ link: n.link, keepMs: 0, rounds: 1, roundMs: 500 }))
  const [, pA, pT] = punches
  const server = registerRelayServer({ link: relay.link })
  const clientA = createRelayClient({ link: a.link, limits: fast.limits, dialMs: 1500 })
  const clientT = createRelayClient({ link: t.link, limits: fast.limits, dialMs: 1500 })
  closers.push(async () => {
    for (const p of punches) p.stop()
    await clientA.stop()
    await clientT.stop()
    for (const n of [relay, a, t]) { await n.link.close(); await n.transport.close() }
  })
  const netT = new LinkServiceNetwork(t.link, undefined as unknown as Dht)
  // One service registered before the relay client is handed over, one after: both must answer relayed peers.
  netT.registerService('echo', { onRequest: async (payload) => Buffer.concat([Buffer.from('echo:'), payload]) })
  netT.useNatTraversal({ introducers: () => pT.introducers(), punch: async (x, i, s) => await pT.connect(x, i, s), relay: clientT })
  netT.registerService('mirror', { onStream: (stream: Duplex) => { stream.on('error', () => {}); stream.pipe(stream) } })
  // T's NAT lets the introducer in because T opened the session.
  await t.link.connect(relay.contact)
  pT.setIntroducers([relay.contact])
  if (o.reserve !== false) {
    clientT.setRelays([relay.contact])
    for (let i = 0; i < 200 && server.clients() < 1; i++) await new Promise((resolve) => setTimeout(resolve, 10))
    expect(server.clients()).toBe(1)
  }
  return {
    relay,
    a,
    t,
    server,
    clientA,
    clientT,
    pA,
    pT,
    contactT: () => makeContact(t.identity.id, t.transport.local, { publicKey: t.identity.publicKey, introducers: pT.introducers() }),
    netA: (opts = {}) => {
      let n = 0
      const net = new LinkServiceNetwork(a.link, undefined as unknown as Dht)
      net.useNatTraversal({
        introducers: () => [],
        punch: async (x, i, s) => { n++; return await pA.connect(x, i, s) },
        relay: clientA,
        directMs: 300,
        punchHopeless: () => opts.punchHopeless === true
      })
      return { net, punches: () => n }
    }
  }
}

describe('the relay fallback of LinkServiceNetwork', () => {
  it('behind symmetric NATs on both sides: punching fails, the request goes through the introducer as relay, end to end', async () => {
    const w = await world()
    const { net, punches } = w.netA()
    const got = await net.request(w.contactT(), 'echo', Buffer.from('relayed'))
    expect(got.toString()).toBe('echo:relayed')
    expect(punches()).toBe(1)
    // The session is on A's relayed link, not its own: no direct session to T ever opened.
    expect(w.a.link.sessions().some(p => p.id.equals(w.t.identity.id))).toBe(false)
    expect(w.clientA.sessionWith(w.t.identity.id)?.id?.equals(w.t.identity.id)).toBe(true)
    expect(w.server.stats.forwarded).toBeGreaterThan(2)
    const forwardedBefore = w.server.stats.forwarded
    // The next request reuses the relayed session: no punching, no new dial.
    expect((await net.request(w.contactT(), 'echo', Buffer.from('again'))).toString()).toBe('echo:again')
    expect(punches()).toBe(1)
    expect(w.server.stats.forwarded).toBeGreaterThan(forwardedBefore)
  }, 20_000)

  it('when punching cannot work from this side (this node is "unreachable"), the relay is dialled at once', async () => {
    const w = await world()
    const { net, punches } = w.netA({ punchHopeless: true })
    expect((await net.request(w.contactT(), 'echo', Buffer.from('at once'))).toString()).toBe('echo:at once')
    expect(punches()).toBe(0)
  }, 20_000)

  it('concurrent requests share one dial, and a stream runs over the relayed session byte for byte', async () => {
    const w = await world()
    const { net, punches } = w.netA()
    const replies = await Promise.all([1, 2, 3, 4].map(async (i) => (await net.request(w.contactT(), 'echo', Buffer.from(String(i)))).toString()))
    expect(replies).toEqual(['echo:1', 'echo:2', 'echo:3', 'echo:4'])
    expect(punches()).toBe(1)
    const stream = await net.openStream(w.contactT(), 'mirror')
    const data = Buffer.alloc(300_000)
    for (let i = 0; i < data.length; i++) data[i] = (i * 7919) & 0xff
    const back: Buffer[] = []
    let n = 0
    const done = new Promise<void>((resolve, reject) => {
      stream.on('data', (b: Buffer) => { back.push(b); n += b.length; if (n >= data.length) resolve() })
      stream.on('error', reject)
    })
    stream.write(data)
    await done
    expect(Buffer.concat(back).equals(data)).toBe(true)
    stream.destroy()
    // The relay metered the relayed bytes under its own kind, both ways.
    const relayed = w.relay.meter.byKind.get('relay')
    expect(relayed?.in).toBeGreaterThan(2 * data.length)
    expect(relayed?.out).toBeGreaterThan(2 * data.length)
  }, 30_000)

  it('a target that keeps no relay stream at its introducer: RELAY_NO_RELAY, naming the failed punch too', async () => {
    const w = await world({ reserve: false })
    const { net } = w.netA()
    const err = await net.request(w.contactT(), 'echo', Buffer.from('x')).catch((e: Error) => e)
    expect(err).toMatchObject({ code: 'RELAY_NO_RELAY' })
    expect((err as Error).message).toMatch(/punching failed/)
    expect(w.server.stats.droppedNoPeer).toBeGreaterThan(0)
    expect(w.server.stats.forwarded).toBe(0)
  }, 20_000)
})
