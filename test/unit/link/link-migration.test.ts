import { afterEach, describe, expect, test } from 'vitest'
import type { Link } from '../../../src/node/link/link.js'
import type { Session } from '../../../src/node/link/session.js'
import type { MemoryNetwork, MemoryTransport } from '../../../src/node/transport/memory.js'
import type { Transport } from '../../../src/node/transport/transport.js'
import type { Endpoint } from '../../../src/node/types.js'
import { encodeFrames, FrameType, type RequestFrame } from '../../../src/node/wire/channel-frames.js'
import { makeNode, memoryTestnet, type TestNode, type Testnet } from '../../helpers/link-testnet.js'

/**
 * Path migration: a session follows its peer to a new address only once the
 * peer answered a challenge there; until then at most 3× the bytes that came
 * from the new address go to it. Cached answers are re-sent at a bounded rate.
 */
let net: Testnet | undefined
afterEach(async () => { await net?.close(); net = undefined })

const settle = async (ms = 50): Promise<void> => { await new Promise(resolve => setTimeout(resolve, ms)) }

/** Waits until every datagram sent on the network has arrived (or was lost). */
async function quiet (network: MemoryNetwork): Promise<void> {
  const s = network.stats
  for (;;) {
    await settle(20)
    if (s.sent === s.delivered + s.lost + s.tooLarge + s.unreachable - s.duplicated) return
  }
}

function sessionTo (link: Link, peer: TestNode): Session {
  const all = [...(link as unknown as { byIndex: Map<number, Session> }).byIndex.values()]
  const s = all.find(x => x.peer?.idHex === peer.identity.id.toString('hex'))
  expect(s).toBeDefined()
  return s as Session
}

/** One DATA datagram sealed with the session's real send key (what the peer itself can make). */
function seal (s: Session, plain: Buffer): Buffer {
  const c = (s as unknown as { sendCipher: { sealPieces: (p: Buffer[]) => Buffer[] } }).sendCipher
  return Buffer.concat(c.sealPieces([plain]))
}

/** A socket whose address can change under the link, as behind a NAT that rebinds. */
class RebindingTransport implements Transport {
  private handler?: (data: Buffer, from: Endpoint) => void
  constructor (private inner: MemoryTransport, private readonly network: MemoryNetwork) { this.attach() }
  get local (): Endpoint { return this.inner.local }
  send (data: Uint8Array | readonly Uint8Array[], to: Endpoint): void { this.inner.send(data, to) }
  onDatagram (handler: (data: Buffer, from: Endpoint) => void): void { this.handler = handler }
  async rebind (): Promise<void> {
    const old = this.inner
    this.inner = this.network.createTransport()
    this.attach()
    await old.close()
  }

  async close (): Promise<void> { await this.inner.close() }
  private attach (): void { this.inner.onDatagram((d, from) => this.handler?.(d, from)) }
}

describe('path migration', () => {
  test('an authenticated packet from a spoofed address with 70 duplicate REQUEST frames: the victim gets ≤ 3× what came from it', async () => {
    let skew = 0
    const t = net = memoryTestnet(0)
    const a = await t.add()
    const b = await t.add({ now: () => Date.now() + skew, limits: { tickMs: 10 } })
    b.link.registerService('big', { onRequest: async () => Buffer.alloc(60_000, 5) })
    b.link.registerService('echo', { onRequest: async (_p, x) => x })
    expect((await a.link.request(b.contact, 'big', Buffer.alloc(0))).length).toBe(60_000) // b now holds the answer (reqId 1)
    skew += 1000 // old enough to be re-sent
    const sa = sessionTo(a.link, b)
    const sb = sessionTo(b.link, a)
    const victim = t.network.createTransport()
    let toVictim = 0
    victim.onDatagram((d) => { toVictim += d.length })
    const dup: RequestFrame = { type: FrameType.REQUEST, reqId: 1, fragIndex: 0, fragCount: 1, service: 'big', data: Buffer.alloc(0) }
    const spoofed = seal(sa, encodeFrames(Array.from({ length: 70 }, () => dup)))
    expect(spoofed.length).toBeLessThanOrEqual(1200)
    t.network.deliver(spoofed, victim.local, b.transport.local)
    await quiet(t.network)
    // Challenge retries (on b's tick) stay within the same budget.
    for (let i = 0; i < 6; i++) { skew += 300; await settle(30) }
    expect(toVictim).toBeGreaterThan(0) // the victim's address was challenged...
    expect(toVictim).toBeLessThanOrEqual(3 * spoofed.length) // ...and got no more than 3x what came "from" it
    // The session did not move, and keeps serving the real peer.
    expect(sb.endpoint).toEqual(a.transport.local)
    expect((await a.link.request(b.contact, 'echo', Buffer.from('still here'))).toString()).toBe('still here')
  })

  test('a genuine migration (the peer\'s address changes and it answers the challenge) moves the session, and data flows', async () => {
    const t = net = memoryTestnet(1)
    const [b] = t.nodes
    b.link.registerService('echo', { onRequest: async (_p, x) => x })
    const nat = new RebindingTransport(t.network.createTransport(), t.network)
    const a = makeNode(nat)
    t.nodes.push(a)
    expect((await a.link.request(b.contact, 'echo', Buffer.from('one'))).toString()).toBe('one')
    const sb = sessionTo(b.link, a)
    await nat.rebind()
    expect(nat.local).not.toEqual(sb.endpoint)
    expect((await a.link.request(b.contact, 'echo', Buffer.from('two'), { timeoutMs: 3000, retries: 5 })).toString()).toBe('two')
    expect(sb.endpoint).toEqual(nat.local)
    expect(sessionTo(b.link, a)).toBe(sb) // the same session, moved
    // b can start traffic to a's new address too.
    a.link.registerService('echo', { onRequest: async (_p, x) => x })
    expect((await b.link.request({ endpoint: nat.local, publicKey: a.identity.publicKey }, 'echo', Buffer.from('three'))).toString()).toBe('three')
  })
})

describe('answer-cache re-sends', () => {
  test('a cached answer is re-sent at most once per interval, however many duplicates ask for it', async () => {
    let skew = 0
    const t = net = memoryTestnet(0)
    const a = await t.add()
    const b = await t.add({ now: () => Date.now() + skew })
    b.link.registerService('big', { onRequest: async () => Buffer.alloc(60_000, 5) })
    expect((await a.link.request(b.contact, 'big', Buffer.alloc(0))).length).toBe(60_000)
    const sa = sessionTo(a.link, b)
    let back = 0
    t.network.tap = (d, from) => { if (from.address === b.transport.local.address) back += d.length }
    const dup: RequestFrame = { type: FrameType.REQUEST, reqId: 1, fragIndex: 0, fragCount: 1, service: 'big', data: Buffer.alloc(0) }
    skew += 1000 // the answer is old enough to be sent again (once)
    // From a's own (validated) address: 5 packets of 70 duplicates each.
    for (let i = 0; i < 5; i++) a.transport.send(seal(sa, encodeFrames(Array.from({ length: 70 }, () => dup))), b.transport.local)
    await quiet(t.network)
    expect(back).toBeGreaterThan(60_000) // answered again once...
    expect(back).toBeLessThan(2 * 62_000) // ...not 350 times
  })
})
