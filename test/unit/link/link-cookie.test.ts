import { afterEach, describe, expect, test } from 'vitest'
import type { Endpoint } from '../../../src/node/types.js'
import { decodeLinkPacket, encodeLinkPacket, PacketType } from '../../../src/node/wire/link-packets.js'
import { memoryTestnet, type Testnet } from '../../helpers/link-testnet.js'

/**
 * COOKIE packets travel in the clear and name the handshake only by the
 * initiator's index. Only the endpoint the init was sent to may make the
 * initiator send its init again (with the cookie), and only a bounded number
 * of times per handshake: each re-sent init is a full 1200-byte datagram, so a
 * 22-byte COOKIE must not buy an unbounded stream of them.
 */
let net: Testnet | undefined
afterEach(async () => { await net?.close(); net = undefined })

const echo = { onRequest: async (_p: unknown, x: Buffer) => x }
const settle = async (ms = 20): Promise<void> => { await new Promise(resolve => setTimeout(resolve, ms)) }

function cookie (receiverIndex: number, fill: number): Buffer {
  return encodeLinkPacket({ type: PacketType.COOKIE, receiverIndex, cookie: Buffer.alloc(16, fill) })
}

function isInit (d: Uint8Array): boolean {
  return d[1] === PacketType.IK_INIT || d[1] === PacketType.XX_INIT
}

describe('COOKIE packets', () => {
  test('a COOKIE from a foreign endpoint is dropped and makes the initiator send nothing', async () => {
    const t = net = memoryTestnet(2)
    const [a, b] = t.nodes
    b.link.registerService('echo', echo)
    const stranger = t.network.createTransport()
    let initsFromA = 0
    // The forged COOKIE is queued before b's answer, so it arrives first.
    t.network.tap = (d, from) => {
      if (from.port !== a.transport.local.port || from.address !== a.transport.local.address || !isInit(d)) return
      initsFromA++
      stranger.send(cookie((decodeLinkPacket(d) as { senderIndex: number }).senderIndex, 0x77), a.transport.local)
    }
    expect((await a.link.request(b.contact, 'echo', Buffer.from('hi'))).toString()).toBe('hi')
    await settle()
    expect(initsFromA).toBe(1)
    expect(a.link.stats.dropped['cookie-wrong-source']).toBe(1)
  })

  test('a responder that answers every init with a new COOKIE gets a bounded number of re-sent inits', async () => {
    const t = net = memoryTestnet(0)
    // One try until the deadline: the retransmit timer fires once, past it, so every init
    // beyond the first was drawn by a COOKIE.
    const a = await t.add({ limits: { handshakeTimeoutMs: 200, handshakeRetryMs: 200, maxCookieResends: 3 } })
    const evil = t.network.createTransport()
    let inits = 0
    evil.onDatagram((d, from: Endpoint) => {
      if (!isInit(d)) return
      inits++
      // A safety stop for the test: without a bound the ping-pong would never end.
      if (inits > 500) return
      evil.send(cookie((decodeLinkPacket(d) as { senderIndex: number }).senderIndex, inits & 0xff), from)
    })
    await expect(a.link.connect({ endpoint: evil.local })).rejects.toMatchObject({ code: 'LINK_HANDSHAKE_TIMEOUT' })
    await settle()
    expect(inits).toBe(1 + 3)
    expect(a.link.stats.dropped['cookie-limit']).toBe(1)
  })

  test('a repeated COOKIE (one per retransmitted init) draws one re-send, and the handshake completes', async () => {
    const t = net = memoryTestnet(0)
    const b = await t.add({ cookies: 'always' })
    b.link.registerService('echo', echo)
    const a = await t.add()
    let initsFromA = 0
    let firstCookie: Buffer | undefined
    t.network.tap = (d, from, to) => {
      if (from.port === a.transport.local.port && isInit(d)) initsFromA++
      // b's first COOKIE arrives twice, as it would for an init and its retransmission.
      if (from.port === b.transport.local.port && d[1] === PacketType.COOKIE && firstCookie === undefined) {
        firstCookie = Buffer.from(d)
        t.network.deliver(firstCookie, from, to)
      }
    }
    expect((await a.link.request(b.endpointOnly, 'echo', Buffer.from('xx'))).toString()).toBe('xx')
    expect(initsFromA).toBe(2)
    expect(a.link.stats.dropped['cookie-repeat']).toBe(1)
  })
})
