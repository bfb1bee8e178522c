import { afterEach, describe, expect, test } from 'vitest'
import { generateIdentity } from '../../../src/node/identity/identity.js'
import type { LinkStream } from '../../../src/node/link/types.js'
import { encodeLinkPacket, MIN_INIT_BYTES, PacketType } from '../../../src/node/wire/link-packets.js'
import { memoryTestnet, type TestNode, type Testnet } from '../../helpers/link-testnet.js'

/**
 * Link-level abuse (issue 21, item 5): what one hostile party can make a node hold or compute.
 * Each test states a bound and checks it on the node's own tables, so it fails if the bound is
 * removed: a spoofed handshake flood from 100,000 source addresses, and one peer opening
 * 10,000 streams or requests.
 */
let net: Testnet | undefined
afterEach(async () => { await net?.close(); net = undefined })

const echo = { onRequest: async (_p: unknown, x: Buffer) => x }
const tick = async (ms = 1): Promise<void> => { await new Promise(resolve => setTimeout(resolve, ms)) }

/** The responder's tables, which are private: the bounds are on them. */
interface ResponderView { halfOpen: number, recentInitCount: number, rate: { tracked: number } }
const responderOf = (n: TestNode): ResponderView => (n.link as unknown as { responder: ResponderView }).responder

/** A distinct host on a distinct /24 for each i (11.0.0.1, 11.0.1.1, …): no per-address or per-network limit is hit by itself. */
const spoofed = (i: number): { address: string, port: number } =>
  ({ address: `${11 + (i >> 16)}.${(i >> 8) & 0xff}.${i & 0xff}.1`, port: 40_000 + (i % 1000) })

describe('a spoofed handshake flood from 100,000 source addresses', () => {
  test('costs the responder no state beyond its bounds and no key exchange beyond its rate; a real peer still connects', async () => {
    const t = memoryTestnet(0)
    net = t
    // One rate window for the whole flood: the node's clock stands still, so every bound is
    // reached at once instead of being spread over seconds of wall time.
    const T0 = Date.now()
    const b = await t.add({ now: () => T0 })
    b.link.registerService('echo', echo)
    const limits = { global: 2000, maxPending: 1024, maxTracked: 16_384 } // the defaults (link-options.ts)

    const replies = new Map<number, number>()
    t.network.tap = (data, from) => {
      if (from.address === b.transport.local.address && from.port === b.transport.local.port) replies.set(data[1], (replies.get(data[1]) ?? 0) + 1)
    }

    const SOURCES = 100_000
    const packet = Buffer.from(encodeLinkPacket({ type: PacketType.XX_INIT, senderIndex: 1, ephemeral: Buffer.alloc(32, 0x40), cookie: Buffer.alloc(0) }, MIN_INIT_BYTES))
    let realPeer: Promise<string> | undefined
    let a: TestNode | undefined
    for (let i = 0; i < SOURCES; i++) {
      // A fresh ephemeral per source (else it is a retransmission), written over the template.
      packet.writeUInt32LE(i, 2)
      packet.writeUInt32LE(i + 1, 6)
      t.network.deliver(packet, spoofed(i), b.transport.local)
      if (i % 2000 === 1999) await tick()
      if (i === SOURCES / 2) {
        // A real peer arrives in the middle of the flood.
        a = await t.add()
        realPeer = a.link.request(b.contact, 'echo', Buffer.from('still here')).then(r => r.toString())
      }
    }
    await tick(20)
    expect(await realPeer).toBe('still here')

    const cookies = replies.get(PacketType.COOKIE) ?? 0
    const xxResp = replies.get(PacketType.XX_RESP) ?? 0
    const refused = replies.get(PacketType.REFUSE) ?? 0
    // Past the global rate every init is answered with a stateless cookie.
    expect(cookies).toBeGreaterThanOrEqual(SOURCES - limits.global)
    expect(b.link.stats.cookiesSent).toBeGreaterThanOrEqual(SOURCES - limits.global)
    // Key exchanges (one X25519 per XX_RESP) stop at the half-open table's bound.
    expect(xxResp).toBeLessThanOrEqual(limits.maxPending)
    expect(xxResp + refused + cookies).toBeLessThanOrEqual(SOURCES + 2) // at most one answer per init (+ the real peer)
    // State: half-open handshakes and rate-tracked sources stay within their bounds.
    const r = responderOf(b)
    expect(r.halfOpen).toBeLessThanOrEqual(limits.maxPending)
    expect(r.rate.tracked).toBeLessThanOrEqual(2 * limits.maxTracked) // unproven and proven sources, each bounded
    // No session for anyone who did not prove its address: only the real peer's.
    expect(b.link.sessionCounts().total).toBe(1)
    expect(b.link.stats.sessionsOpened).toBe(1)
    expect(a).toBeDefined()
  })
})

describe('one peer opening 10,000 streams or requests', () => {
  test('10,000 stream opens: the node holds at most maxChannels, refuses the rest BUSY, and serves others', async () => {
    const t = memoryTestnet(0)
    net = t
    const b = await t.add()
    const held: LinkStream[] = []
    b.link.registerService('sink', { onStream: (_peer: unknown, s: LinkStream) => { held.push(s); s.on('error', () => {}) } })
    b.link.registerService('echo', echo)
    // The hostile peer lifts its own cap; the victim keeps the default (256).
    const x = await t.add({ limits: { maxChannels: 20_000 } })
    await x.link.request(b.contact, 'echo', Buffer.from('hello'))

    const outcomes = await Promise.allSettled(Array.from({ length: 10_000 }, async () => {
      const s = await x.link.openStream(b.contact, 'sink')
      s.on('error', () => {})
      return s
    }))
    const opened = outcomes.filter(o => o.status === 'fulfilled').length
    const busy = outcomes.filter(o => o.status === 'rejected' && (o.reason as { code?: string }).code === 'LINK_BUSY').length
    expect(opened).toBeLessThanOrEqual(256)
    expect(held.length).toBeLessThanOrEqual(256)
    expect(busy).toBeGreaterThanOrEqual(10_000 - 256)
    expect(opened + busy).toBe(10_000)

    const c = await t.add()
    expect((await c.link.request(b.contact, 'echo', Buffer.from('ok'))).toString()).toBe('ok')
    const s = await c.link.openStream(b.contact, 'sink')
    s.on('error', () => {})
    expect(held.length).toBeLessThanOrEqual(257)
    for (const o of outcomes) if (o.status === 'fulfilled') o.value.destroy()
    s.destroy()
  })

  test('10,000 concurrent requests, and again after re-handshaking: at most maxHandlersPerPeer handlers run for the peer', async () => {
    const t = memoryTestnet(0)
    net = t
    const b = await t.add()
    let running = 0
    let most = 0
    let open: () => void = () => {}
    const gate = new Promise<void>(resolve => { open = resolve })
    b.link.registerService('echo', echo)
    b.link.registerService('slow', {
      // Ignores its abort signal, as a handler busy in a lookup may: only settling frees its slot.
      onRequest: async (_p: unknown, x: Buffer) => {
        running++
        most = Math.max(most, running)
        await gate
        running--
        return x
      }
    })
    const identity = generateIdentity()
    const flood = async (x: TestNode): Promise<Array<{ ok: boolean, code?: string }>> => {
      // Settled as they come: a refusal arrives long before the test looks at it.
      const pending = Array.from({ length: 5_000 }, async (_, i) => await x.link.request(b.contact, 'slow', Buffer.from(String(i)))
        .then(() => ({ ok: true }), (err: unknown) => ({ ok: false, code: String((err as { code?: string }).code) })))
      for (let i = 0; i < 100 && running < 64; i++) await tick(10)
      await tick(50)
      return await Promise.race([Promise.all(pending), tick(500).then(async () => await Promise.race(pending.map(async p => await p)).then(o => [o]))])
    }
    // First session: 5,000 requests, of which the handlers limit runs 64 at once.
    const x1 = await t.add({ identity, limits: { maxRequestsInFlight: 20_000 } })
    await flood(x1)
    expect(running).toBeLessThanOrEqual(64)
    // The same peer hangs up and handshakes again: the node replaces the session; the old
    // handlers are aborted but still running. 5,000 more requests must not start 64 more.
    await x1.link.close()
    const x2 = await t.add({ identity, limits: { maxRequestsInFlight: 20_000 } })
    const second = await flood(x2)
    expect(second.some(o => o.code === 'LINK_BUSY')).toBe(true)
    expect(most).toBeLessThanOrEqual(64)
    expect(b.link.runningHandlers).toBeLessThanOrEqual(64)
    // Another peer is still served, and the slots come back once the handlers settle.
    const c = await t.add()
    expect((await c.link.request(b.contact, 'echo', Buffer.from('ok'))).toString()).toBe('ok')
    open()
    for (let i = 0; i < 100 && b.link.runningHandlers > 0; i++) await tick(10)
    expect(b.link.runningHandlers).toBe(0)
  })
})
