import { afterEach, describe, expect, it } from 'vitest'
import type { Dht } from '../../../../src/node/routing/dht.js'
import { makeContact } from '../../../../src/node/routing/contact.js'
import { LinkServiceNetwork } from '../../../../src/node/services/link-service-network.js'
import { createPunchService, type PunchService } from '../../../../src/node/services/punch/index.js'
import { MemoryNetwork } from '../../../../src/node/transport/memory.js'
import { decodePunchMessage, encodePunchMessage, PUNCH_SERVICE, PunchResult } from '../../../../src/node/wire/punch-messages.js'
import { makeNode, type TestNode } from '../../../helpers/link-testnet.js'
import { MemoryNats, type MemoryNatKind } from '../../../helpers/memory-nat.js'

const fast = { limits: { handshakeTimeoutMs: 1500, handshakeRetryMs: 50 } }
let nodes: TestNode[] = []
let services: PunchService[] = []
afterEach(async () => {
  for (const s of services) s.stop()
  for (const n of nodes) await n.link.close()
  for (const n of nodes) await n.transport.close()
  nodes = []
  services = []
})

/** A public introducer and two hosts, each behind its own NAT of the given kind. */
function world (kindA: MemoryNatKind, kindT: MemoryNatKind): { network: MemoryNetwork, nats: MemoryNats, intro: TestNode, a: TestNode, t: TestNode, punch: (n: TestNode) => PunchService } {
  const network = new MemoryNetwork()
  const nats = new MemoryNats(network)
  nats.add('10.1.0.1', '198.18.1.1', kindA)
  nats.add('10.2.0.1', '198.18.2.1', kindT)
  const intro = makeNode(network.createTransport({ address: '198.18.0.1', port: 7000 }), fast)
  const a = makeNode(network.createTransport({ address: '10.1.0.1', port: 7000 }), fast)
  const t = makeNode(network.createTransport({ address: '10.2.0.1', port: 7000 }), fast)
  nodes.push(intro, a, t)
  for (const n of nodes) n.link.registerService('echo', { onRequest: async (_p, b) => b })
  const punch = (n: TestNode): PunchService => {
    const s = createPunchService({ link: n.link, keepMs: 0, rounds: 2, roundMs: 800 })
    services.push(s)
    return s
  }
  return { network, nats, intro, a, t, punch }
}

describe('hole punching over the memory network with NATs', () => {
  it('across two endpoint-independent NATs: the introducer tells the target, both handshake at once, the session opens on the punched path', async () => {
    const { w, pT, pA } = await introducedAcrossEim()
    // What T publishes: the introducer, as T's session to it knows it.
    expect(pT.introducers()).toEqual([{ id: w.intro.identity.id, endpoint: w.intro.transport.local }])
    // Where the introducer sees T: the NAT's public mapping.
    const tPublic = w.intro.link.sessions().find(p => p.id.equals(w.t.identity.id))?.endpoint
    expect(tPublic?.address).toBe('198.18.2.1')

    // Without the introduction, T's NAT drops A's handshake (it never sent to A's mapping).
    const filteredBefore = w.nats.dropped.filtered
    await expect(w.a.link.connect({ endpoint: tPublic as never, id: w.t.identity.id })).rejects.toBeDefined()
    expect(w.nats.dropped.filtered).toBeGreaterThan(filteredBefore)

    const peer = await pA.connect({ id: w.t.identity.id, publicKey: w.t.identity.publicKey }, [w.intro.contact])
    expect(peer.id.equals(w.t.identity.id)).toBe(true)
    expect(peer.endpoint).toEqual(tPublic)
    const got = await w.a.link.request({ endpoint: peer.endpoint, id: peer.id }, 'echo', Buffer.from('through the punched hole'))
    expect(got.toString()).toBe('through the punched hole')
    // The session is direct: the introducer carried none of the echo.
    expect(w.intro.link.stats.datagramsIn).toBeLessThan(40)
  })

  it('LinkServiceNetwork: a request to a contact naming introducers falls back to punching when the direct handshake fails', async () => {
    const { w, pT, pA } = await introducedAcrossEim()
    w.t.link.registerService('echo', { onRequest: async (_peer, payload) => Buffer.from(payload) })
    // What a provider record gives the fetcher: T's own (private, unroutable) address and its introducers.
    const contact = makeContact(w.t.identity.id, w.t.transport.local, { publicKey: w.t.identity.publicKey, introducers: pT.introducers() })
    // Requests and streams never consult the DHT.
    const plain = new LinkServiceNetwork(w.a.link, undefined as unknown as Dht)
    await expect(plain.request(contact, 'echo', Buffer.from('x'), { timeoutMs: 2500 })).rejects.toBeDefined()
    const withNat = new LinkServiceNetwork(w.a.link, undefined as unknown as Dht)
    withNat.useNatTraversal({ introducers: () => [], punch: async (t, i, o) => await pA.connect(t, i, o), directMs: 300 })
    const got = await withNat.request(contact, 'echo', Buffer.from('punched by the service network'))
    expect(got.toString()).toBe('punched by the service network')
  }, 20_000)

  it('behind a symmetric NAT the handshakes never meet: PUNCH_FAILED after the rounds (a relay is needed)', async () => {
    const w = world('symmetric', 'symmetric')
    const pT = w.punch(w.t)
    const pA = w.punch(w.a)
    punch(w)
    pT.setIntroducers([w.intro.contact])
    await joinIntroducer(w.t, w.intro)
    await expect(pA.connect({ id: w.t.identity.id, publicKey: w.t.identity.publicKey }, [w.intro.contact])).rejects.toMatchObject({ code: 'PUNCH_FAILED' })
    expect(w.a.link.sessions().some(p => p.id.equals(w.t.identity.id))).toBe(false)
  }, 15_000)

  it('an introducer without a session to the target answers NOT_CONNECTED: PUNCH_NO_INTRODUCER', async () => {
    const w = world('endpoint-independent', 'endpoint-independent')
    punch(w)
    const pA = w.punch(w.a)
    await expect(pA.connect({ id: w.t.identity.id }, [w.intro.contact])).rejects.toMatchObject({ code: 'PUNCH_NO_INTRODUCER' })
    const answer = decodePunchMessage(await w.a.link.request(w.intro.contact, PUNCH_SERVICE, encodePunchMessage({ type: 'request', target: w.t.identity.id })))
    // Rate-limited per requesting host first, then not connected once the interval passed.
    expect([PunchResult.TOO_SOON, PunchResult.NOT_CONNECTED]).toContain((answer as { result: number }).result)
  })

  it('a node acts only on notifies from its own introducers, and at most one per interval each', async () => {
    const w = world('endpoint-independent', 'endpoint-independent')
    const pI = w.punch(w.intro)
    const pT = w.punch(w.t)
    void pI
    const notify = encodePunchMessage({ type: 'notify', peer: w.a.identity.id, endpoint: { address: '198.18.9.9', port: 9 } })
    await joinIntroducer(w.t, w.intro)
    const ask = async (): Promise<unknown> => decodePunchMessage(await w.intro.link.request({ endpoint: w.intro.link.sessions()[0].endpoint, id: w.t.identity.id }, PUNCH_SERVICE, notify))
    const sentBefore = w.network.stats.sent
    expect(await ask()).toEqual({ type: 'answer', result: PunchResult.REFUSED })
    pT.setIntroducers([w.intro.contact])
    expect(await ask()).toEqual({ type: 'answer', result: PunchResult.OK })
    expect(await ask()).toEqual({ type: 'answer', result: PunchResult.TOO_SOON })
    expect(w.network.stats.sent).toBeGreaterThan(sentBefore)
    await expect(w.t.link.request(w.intro.contact, PUNCH_SERVICE, Buffer.from([0x09]))).rejects.toMatchObject({ code: 'PUNCH_MALFORMED' })
  })
})

/** Two endpoint-independent NATs, every node running the service, T joined to its introducer. */
async function introducedAcrossEim (): Promise<{ w: ReturnType<typeof world>, pT: PunchService, pA: PunchService }> {
  const w = world('endpoint-independent', 'endpoint-independent')
  punch(w)
  const pT = w.punch(w.t)
  const pA = w.punch(w.a)
  pT.setIntroducers([w.intro.contact])
  await joinIntroducer(w.t, w.intro)
  return { w, pT, pA }
}

/** The introducer runs the service too (every reachable node does). */
function punch (w: { intro: TestNode, punch: (n: TestNode) => PunchService }): void { w.punch(w.intro) }

/** Opens T's session to its introducer and waits until the introducer lists it (validated: a second authenticated packet came). */
async function joinIntroducer (t: TestNode, intro: TestNode): Promise<void> {
  for (let i = 0; i < 40; i++) {
    await t.link.request(intro.contact, 'echo', Buffer.from('hi'))
    if (intro.link.sessions().some(p => p.id.equals(t.identity.id))) return
    await new Promise((resolve) => setTimeout(resolve, 25))
  }
  throw new Error('the introducer never listed the session')
}
