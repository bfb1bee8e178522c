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

/** A COOKIE with cookie number `n` (distinct numbers, distinct cookies). */
function cookie (receiverIndex: number, n: number): Buffer {
  const c = Buffer.alloc(16, 0x77)
  c.writeUInt32LE(n, 0)
  return encodeLinkPacket({ type: PacketType.COOKIE, receiverIndex, cookie: c })
}

function isInit (d: Uint8Array): boolean {
  return d[1] === PacketType.IK_INIT || d[1] === PacketType.XX_INIT
}

/** The cookie an init echoes (hex), '' for none. */
function echoed (d: Uint8Array): string {
  const p = decodeLinkPacket(Buffer.from(d)) as { cookie?: Buffer }
  return p.cookie?.toString('hex') ?? ''
}

describe('COOKIE packets', () => {
  test('a COOKIE from a foreign endpoint is dropped and makes the initiator send nothing', async () => {
    const t = net = memoryTestnet(2)
    const [a, b] = t.nodes
    b.link.registerService('echo', echo)
    const stranger = t.network.createTransport()
    let echoes = 0
    // The forged COOKIE is queued before b's answer, so it arrives first.
    t.network.tap = (d, from) => {
      if (from.port !== a.transport.local.port || from.address !== a.transport.local.address || !isInit(d)) return
      if (echoed(d) !== '') echoes++
      stranger.send(cookie((decodeLinkPacket(d) as { senderIndex: number }).senderIndex, 1), a.transport.local)
    }
    expect((await a.link.request(b.contact, 'echo', Buffer.from('hi'))).toString()).toBe('hi')
    await settle()
    // a never sent an init carrying the forged cookie.
    expect(echoes).toBe(0)
    expect(a.link.stats.dropped['cookie-wrong-source']).toBeGreaterThanOrEqual(1)
  })

  test('a responder that answers every init with a new COOKIE gets a bounded number of re-sent inits', async () => {
    const t = net = memoryTestnet(0)
    const a = await t.add({ limits: { handshakeTimeoutMs: 200, handshakeRetryMs: 100, maxCookieResends: 3 } })
    const evil = t.network.createTransport()
    let inits = 0
    // Each init a COOKIE drew echoes that new cookie; a timer retransmission repeats the last one.
    const cookiesEchoed = new Set<string>()
    evil.onDatagram((d, from: Endpoint) => {
      if (!isInit(d)) return
      inits++
      if (echoed(d) !== '') cookiesEchoed.add(echoed(d))
      // A safety stop for the test: without a bound the ping-pong would never end.
      if (inits > 500) return
      evil.send(cookie((decodeLinkPacket(d) as { senderIndex: number }).senderIndex, inits), from)
    })
    await expect(a.link.connect({ endpoint: evil.local })).rejects.toMatchObject({ code: 'LINK_HANDSHAKE_TIMEOUT' })
    await settle()
    expect(cookiesEchoed.size).toBe(3)
    expect(inits).toBeLessThan(20)
    expect(a.link.stats.dropped['cookie-limit']).toBeGreaterThanOrEqual(1)
  })

  test('a repeated COOKIE (one per retransmitted init) draws one re-sent init, and the handshake completes', async () => {
    const t = net = memoryTestnet(0)
    const b = await t.add({ cookies: 'always' })
    b.link.registerService('echo', echo)
    const a = await t.add()
    let echoes = 0
    let firstCookie: Buffer | undefined
    t.network.tap = (d, from, to) => {
      if (from.port === a.transport.local.port && isInit(d) && echoed(d) !== '') echoes++
      // b's first COOKIE arrives twice, as it would for an init and its retransmission.
      if (from.port === b.transport.local.port && d[1] === PacketType.COOKIE && firstCookie === undefined) {
        firstCookie = Buffer.from(d)
        t.network.deliver(firstCookie, from, to)
      }
    }
    expect((await a.link.request(b.endpointOnly, 'echo', Buffer.from('xx'))).toString()).toBe('xx')
    expect(echoes).toBe(1)
    expect(a.link.stats.dropped['cookie-repeat']).toBe(1)
  })
})
