import { afterEach, describe, expect, test } from 'vitest'
import type { Link } from '../../../src/node/link/link.js'
import type { Session } from '../../../src/node/link/session.js'
import type { Endpoint } from '../../../src/node/types.js'
import { decodeLinkPacket, encodeLinkPacket, PacketType, RefuseReason } from '../../../src/node/wire/link-packets.js'
import { memoryTestnet, type TestNode, type Testnet } from '../../helpers/link-testnet.js'

/**
 * REFUSE packets travel in the clear and carry only a session index (which every
 * DATA header shows). They may end a handshake still in progress, and only when
 * they come from the endpoint that handshake was sent to; an open session ends
 * only on the authenticated CLOSE frame inside the AEAD.
 */
let net: Testnet | undefined
afterEach(async () => { await net?.close(); net = undefined })

const echo = { onRequest: async (_p: unknown, x: Buffer) => x }

function refuse (receiverIndex: number): Buffer {
  return encodeLinkPacket({ type: PacketType.REFUSE, receiverIndex, reason: RefuseReason.CLOSED, text: 'go away' })
}

function onlySession (link: Link): Session {
  const all = [...(link as unknown as { byIndex: Map<number, Session> }).byIndex.values()]
  expect(all.length).toBe(1)
  return all[0]
}

async function until (cond: () => boolean, ms = 5000): Promise<void> {
  const end = Date.now() + ms
  while (!cond()) {
    if (Date.now() > end) throw new Error('condition not reached')
    await new Promise(resolve => setTimeout(resolve, 5))
  }
}

const settle = async (ms = 20): Promise<void> => { await new Promise(resolve => setTimeout(resolve, ms)) }

async function roundTrip (a: TestNode, b: TestNode): Promise<void> {
  const probe = Buffer.from(`alive ${Math.random()}`)
  expect(await a.link.request(b.contact, 'echo', probe)).toEqual(probe)
}

describe('an unauthenticated REFUSE cannot end an open session', () => {
  test('REFUSE with the session index, from a foreign endpoint and from the peer\'s own: the session stays open and carries data', async () => {
    const t = net = memoryTestnet(2)
    const [a, b] = t.nodes
    a.link.registerService('echo', echo)
    b.link.registerService('echo', echo)
    await roundTrip(a, b)
    const sa = onlySession(a.link)
    const sb = onlySession(b.link)
    const stranger = t.network.createTransport()
    for (const [victim, session, peer] of [[b, sb, a], [a, sa, b]] as const) {
      // From a stranger's own address...
      stranger.send(refuse(session.localIndex), victim.transport.local)
      // ...and spoofed as the peer's address (what an on-path observer can do).
      t.network.deliver(refuse(session.localIndex), peer.transport.local, victim.transport.local)
    }
    await settle()
    expect(sa.state).toBe('open')
    expect(sb.state).toBe('open')
    expect(a.link.stats.sessionsClosed + b.link.stats.sessionsClosed).toBe(0)
    for (const n of [a, b]) {
      expect(n.link.stats.dropped['refuse-wrong-source']).toBe(1)
      expect(n.link.stats.dropped['refuse-open-session']).toBe(1)
    }
    await roundTrip(a, b)
    await roundTrip(b, a)
    expect(onlySession(a.link)).toBe(sa)
    expect(onlySession(b.link)).toBe(sb)
  })

  test('a REFUSE for an IK handshake in progress from a foreign endpoint is ignored', async () => {
    const t = net = memoryTestnet(2)
    const [a, b] = t.nodes
    b.link.registerService('echo', echo)
    const stranger = t.network.createTransport()
    // The forged REFUSE is queued before b's answer, so it arrives first.
    t.network.tap = (d) => {
      if (d[1] === PacketType.IK_INIT) stranger.send(refuse((decodeLinkPacket(d) as { senderIndex: number }).senderIndex), a.transport.local)
    }
    expect((await a.link.request(b.contact, 'echo', Buffer.from('hi'))).toString()).toBe('hi')
    expect(a.link.stats.dropped['refuse-wrong-source']).toBe(1)
  })

  test('a REFUSE for the XX responder\'s half-open handshake from a foreign endpoint is ignored', async () => {
    const t = net = memoryTestnet(2)
    const [a, b] = t.nodes
    b.link.registerService('echo', echo)
    const stranger = t.network.createTransport()
    t.network.tap = (d) => {
      if (d[1] === PacketType.XX_RESP) stranger.send(refuse((decodeLinkPacket(d) as { senderIndex: number }).senderIndex), b.transport.local)
    }
    expect((await a.link.request(b.endpointOnly, 'echo', Buffer.from('hi'), { timeoutMs: 2000 })).toString()).toBe('hi')
    expect(b.link.stats.dropped['refuse-wrong-source']).toBe(1)
  })

  test('a REFUSE from the endpoint the handshake was sent to still fails it', async () => {
    const t = net = memoryTestnet(1)
    const [a] = t.nodes
    const peer = t.network.createTransport()
    peer.onDatagram((d, from: Endpoint) => {
      peer.send(refuse((decodeLinkPacket(d) as { senderIndex: number }).senderIndex), from)
    })
    await expect(a.link.request({ endpoint: peer.local }, 'echo', Buffer.alloc(1))).rejects.toMatchObject({ code: 'LINK_CLOSED' })
  })
})

describe('a node that ends a session tells its peer inside the session', () => {
  test('link.close() sends an authenticated CLOSE: the peer closes its side at once', async () => {
    const t = net = memoryTestnet(2)
    const [a, b] = t.nodes
    b.link.registerService('echo', echo)
    await roundTrip(a, b)
    const sb = onlySession(b.link)
    const closeFrames: Buffer[] = []
    t.network.tap = (d, from) => { if (from.address === a.transport.local.address) closeFrames.push(d) }
    const gone = new Promise<Error | undefined>((resolve) => b.link.on('peer-disconnected', (_p, err) => resolve(err)))
    await a.link.close()
    expect(await gone).toBeUndefined() // closed by the peer, not an error
    expect(sb.state).toBe('closed')
    // What told b was a DATA packet (authenticated), not a REFUSE.
    expect(closeFrames.map(d => d[1])).toEqual([PacketType.DATA])
  })

  test('an idle close sends the authenticated CLOSE too', async () => {
    // Each node has its own clock; only b's runs ahead, so b idles out and must tell a.
    let skewB = 0
    const t = net = memoryTestnet(0)
    const a = await t.add({ limits: { tickMs: 10 } })
    const b = await t.add({ now: () => Date.now() + skewB, limits: { tickMs: 10 } })
    b.link.registerService('echo', echo)
    await roundTrip(a, b)
    const sa = onlySession(a.link)
    const sb = onlySession(b.link)
    await until(() => sb.validated) // b may send (and so tell a) only once a's address is confirmed
    const types: number[] = []
    t.network.tap = (d) => { types.push(d[1]) }
    const gone = new Promise<Error | undefined>((resolve) => a.link.on('peer-disconnected', (_p, err) => resolve(err)))
    skewB += 200_000
    await until(() => sb.state === 'closed')
    expect(await gone).toBeUndefined()
    expect(sa.state).toBe('closed')
    expect(types.includes(PacketType.REFUSE)).toBe(false)
  })
})
