import { afterEach, describe, expect, test } from 'vitest'
import { generateIdentity } from '../../../src/node/identity/identity.js'
import type { MemoryNetwork, MemoryTransport } from '../../../src/node/transport/memory.js'
import type { Endpoint } from '../../../src/node/types.js'
import { decodeLinkPacket, encodeLinkPacket, MIN_INIT_BYTES, PacketType, RefuseReason } from '../../../src/node/wire/link-packets.js'
import { identityWithRank, memoryTestnet, type TestNode, type Testnet } from '../../helpers/link-testnet.js'

/**
 * Hostile and broken input: every malformed or forged datagram is dropped
 * (and counted) or refused with a readable reason, and afterwards the node
 * still answers a good request.
 */
let net: Testnet | undefined
afterEach(async () => { await net?.close(); net = undefined })

const echo = { onRequest: async (_p: unknown, x: Buffer) => x }

async function stillServes (client: TestNode, server: TestNode): Promise<void> {
  const probe = Buffer.from(`alive ${Math.random()}`)
  expect(await client.link.request(server.contact, 'echo', probe)).toEqual(probe)
}

/** A raw socket on the memory network, for sending crafted datagrams and seeing replies. */
function attacker (t: Testnet & { network: MemoryNetwork }): { tr: MemoryTransport, inbox: Buffer[], send: (d: Buffer, to: Endpoint) => void } {
  const tr = t.network.createTransport()
  const inbox: Buffer[] = []
  tr.onDatagram((d) => inbox.push(d))
  return { tr, inbox, send: (d, to) => tr.send(d, to) }
}

const settle = async (ms = 20): Promise<void> => { await new Promise(resolve => setTimeout(resolve, ms)) }

describe('malformed datagrams are dropped, counted, and the node keeps serving', () => {
  test('garbage, truncated, oversized, unknown type', async () => {
    const t = net = memoryTestnet(2)
    const [a, b] = t.nodes
    b.link.registerService('echo', echo)
    const x = attacker(t)
    const captured: Buffer[] = []
    t.network.tap = (d) => { captured.push(d) }
    await stillServes(a, b)
    t.network.tap = undefined
    const before = { ...b.link.stats.dropped }
    x.send(Buffer.alloc(0), b.transport.local)
    x.send(Buffer.from([1]), b.transport.local)
    x.send(Buffer.from([1, 0x55, 1, 2, 3, 4]), b.transport.local) // unknown type
    x.send(Buffer.alloc(60_000, 0xee), b.transport.local) // oversized garbage, version 0xee
    for (const d of captured) {
      for (const n of [3, 10, Math.floor(d.length / 2), d.length - 1]) x.send(d.subarray(0, n), b.transport.local)
    }
    await settle()
    const dropped = b.link.stats.dropped
    expect((dropped.malformed ?? 0) - (before.malformed ?? 0)).toBeGreaterThan(5)
    expect(dropped['bad-version'] ?? 0).toBe(1)
    await stillServes(a, b)
    expect(b.link.sessions().length).toBe(1) // the session survived
  })

  test('a DATA packet with a bad MAC is dropped without harming the session', async () => {
    const t = net = memoryTestnet(2)
    const [a, b] = t.nodes
    b.link.registerService('echo', echo)
    await stillServes(a, b)
    let flip = true
    t.network.tap = (d, from) => {
      if (flip && d[1] === PacketType.DATA && from.address === a.transport.local.address) { d[d.length - 1] ^= 0x40; flip = false }
    }
    await stillServes(a, b) // the corrupted first try is dropped; the retry gets through
    expect(b.link.stats.dropped['bad-mac']).toBe(1)
  })

  test('a replayed packet is dropped and the request is not executed again', async () => {
    const t = net = memoryTestnet(2)
    const [a, b] = t.nodes
    let runs = 0
    b.link.registerService('count', { onRequest: async () => { runs++; return Buffer.alloc(0) } })
    b.link.registerService('echo', echo)
    await a.link.connect(b.contact)
    const data: Buffer[] = []
    t.network.tap = (d, from) => { if (d[1] === PacketType.DATA && from.address === a.transport.local.address) data.push(Buffer.from(d)) }
    await a.link.request(b.contact, 'count', Buffer.alloc(1))
    const x = attacker(t)
    for (const d of data) { x.send(d, b.transport.local); x.send(d, b.transport.local) }
    await settle()
    expect(b.link.stats.dropped.replay).toBe(data.length * 2)
    expect(runs).toBe(1)
    await stillServes(a, b)
  })

  test('a replayed IK_INIT (0-RTT request) is not executed twice', async () => {
    const t = net = memoryTestnet(2)
    const [a, b] = t.nodes
    let runs = 0
    b.link.registerService('count', { onRequest: async () => { runs++; return Buffer.alloc(0) } })
    b.link.registerService('echo', echo)
    let init: Buffer | undefined
    t.network.tap = (d) => { if (d[1] === PacketType.IK_INIT) init = Buffer.from(d) }
    await a.link.request(b.contact, 'count', Buffer.alloc(1))
    expect(runs).toBe(1)
    const x = attacker(t)
    x.send(init as Buffer, b.transport.local)
    await settle(60)
    expect(runs).toBe(1)
    expect(b.link.stats.dropped['replayed-init']).toBe(1)
    expect(x.inbox.length).toBe(0) // and nothing was sent to the replayer's address
    await stillServes(a, b)
  })

  test('an unknown version gets a small REFUSE naming the version, and the node keeps serving', async () => {
    const t = net = memoryTestnet(2)
    const [a, b] = t.nodes
    b.link.registerService('echo', echo)
    const x = attacker(t)
    const init = encodeLinkPacket({ type: PacketType.XX_INIT, senderIndex: 1234, ephemeral: Buffer.alloc(32, 9), cookie: Buffer.alloc(0) }, MIN_INIT_BYTES)
    init[0] = 7
    x.send(init, b.transport.local)
    await settle()
    expect(x.inbox.length).toBe(1)
    const refuse = decodeLinkPacket(x.inbox[0])
    expect(refuse).toMatchObject({ type: PacketType.REFUSE, receiverIndex: 1234, reason: RefuseReason.UNSUPPORTED_VERSION })
    expect(x.inbox[0].length).toBeLessThan(init.length)
    await stillServes(a, b)
  })

  test('a REFUSE of an unsupported version reaches the caller as LINK_UNSUPPORTED_VERSION', async () => {
    const t = net = memoryTestnet(1)
    const [a] = t.nodes
    const x = attacker(t)
    x.tr.onDatagram((d, from) => {
      const p = decodeLinkPacket(d) as { senderIndex: number }
      x.tr.send(encodeLinkPacket({ type: PacketType.REFUSE, receiverIndex: p.senderIndex, reason: RefuseReason.UNSUPPORTED_VERSION, text: 'v2 only' }), from)
    })
    await expect(a.link.request({ endpoint: x.tr.local }, 'echo', Buffer.alloc(1))).rejects.toMatchObject({ code: 'LINK_UNSUPPORTED_VERSION' })
  })
})

describe('identity and rank checks', () => {
  test('a forged identity (key claimed without its secret) is refused both ways', async () => {
    const t = net = memoryTestnet(1)
    const [a] = t.nodes
    a.link.registerService('echo', echo)
    const victim = generateIdentity()
    const impostor = generateIdentity()
    const forged = { ...victim, secretKey: impostor.secretKey }
    const f = await t.add({ identity: forged })
    f.link.registerService('echo', echo)
    // As initiator: a refuses the bad signature and says so.
    await expect(f.link.request(a.contact, 'echo', Buffer.alloc(1))).rejects.toMatchObject({ code: 'LINK_BAD_SIGNATURE' })
    await expect(f.link.request(a.endpointOnly, 'echo', Buffer.alloc(1))).rejects.toMatchObject({ code: 'LINK_BAD_SIGNATURE' })
    // As responder: over XX its signature fails; over IK it cannot even open the init.
    await expect(a.link.request(f.endpointOnly, 'echo', Buffer.alloc(1))).rejects.toMatchObject({ code: 'LINK_BAD_SIGNATURE' })
    await expect(a.link.request({ endpoint: f.transport.local, publicKey: victim.publicKey }, 'echo', Buffer.alloc(1))).rejects.toMatchObject({ code: 'LINK_KEY_MISMATCH' })
    const b = await t.add()
    b.link.registerService('echo', echo)
    await stillServes(a, b)
    await stillServes(b, a)
  })

  test('the endpoint is not the node the contact names (id ≠ hash(key), wrong key)', async () => {
    const t = net = memoryTestnet(3)
    const [a, b, c] = t.nodes
    b.link.registerService('echo', echo)
    await expect(a.link.request({ endpoint: b.transport.local, id: c.identity.id }, 'echo', Buffer.alloc(1))).rejects.toMatchObject({ code: 'LINK_WRONG_PEER' })
    await expect(a.link.request({ endpoint: b.transport.local, publicKey: c.identity.publicKey }, 'echo', Buffer.alloc(1))).rejects.toMatchObject({ code: 'LINK_KEY_MISMATCH' })
    await expect(a.link.request({ endpoint: b.transport.local, publicKey: b.identity.publicKey, id: c.identity.id }, 'echo', Buffer.alloc(1))).rejects.toMatchObject({ code: 'LINK_WRONG_PEER' })
    await stillServes(a, b)
  })

  test('rank too low, refused by the responder: the reason reaches the initiator as a code', async () => {
    const t = net = memoryTestnet(0)
    const strict = await t.add({ identity: identityWithRank(3), minRank: 3 })
    strict.link.registerService('echo', echo)
    const low = await t.add({ identity: identityWithRank(0, 1) })
    const errors: string[] = []
    strict.link.on('peer-error', e => errors.push(e.error.code))
    await expect(low.link.request(strict.contact, 'echo', Buffer.alloc(1))).rejects.toMatchObject({ code: 'LINK_RANK_TOO_LOW' })
    await expect(low.link.request(strict.endpointOnly, 'echo', Buffer.alloc(1))).rejects.toMatchObject({ code: 'LINK_RANK_TOO_LOW', message: expect.stringMatching(/below this node's minimum 3/) })
    expect(errors).toEqual(['LINK_RANK_TOO_LOW', 'LINK_RANK_TOO_LOW'])
    const good = await t.add({ identity: identityWithRank(3) })
    await stillServes(good, strict)
  })

  test('rank too low, refused by the initiator: it fails locally and tells the responder', async () => {
    const t = net = memoryTestnet(0)
    const strict = await t.add({ identity: identityWithRank(3), minRank: 3 })
    const low = await t.add({ identity: identityWithRank(0, 1) })
    low.link.registerService('echo', echo)
    const lowErrors: string[] = []
    low.link.on('peer-error', e => lowErrors.push(e.error.code))
    await expect(strict.link.request(low.contact, 'echo', Buffer.alloc(1))).rejects.toMatchObject({ code: 'LINK_RANK_TOO_LOW' })
    await expect(strict.link.request(low.endpointOnly, 'echo', Buffer.alloc(1))).rejects.toMatchObject({ code: 'LINK_RANK_TOO_LOW' })
    await settle()
    expect(lowErrors).toEqual(['LINK_RANK_TOO_LOW', 'LINK_RANK_TOO_LOW'])
    expect(low.link.sessions()).toEqual([])
  })
})

describe('handshake amplification', () => {
  test('a responder demanding cookies answers with 22 bytes and no state; echoing the cookie completes', async () => {
    const t = net = memoryTestnet(0)
    const b = await t.add({ cookies: 'always' })
    b.link.registerService('echo', echo)
    const a = await t.add()
    const types: number[] = []
    t.network.tap = (d, from) => { if (from.address === b.transport.local.address) types.push(d[1]) }
    expect((await a.link.request(b.endpointOnly, 'echo', Buffer.from('xx'))).toString()).toBe('xx')
    expect(types[0]).toBe(PacketType.COOKIE)
    const c = await t.add()
    types.length = 0
    expect((await c.link.request(b.contact, 'echo', Buffer.from('ik'))).toString()).toBe('ik')
    expect(types[0]).toBe(PacketType.COOKIE)
    expect(b.link.stats.cookiesSent).toBe(2)
  })

  test('no reply before address validation is larger than the datagram it answers', async () => {
    const t = net = memoryTestnet(0)
    const strict = await t.add({ identity: identityWithRank(2), minRank: 2 })
    const cookie = await t.add({ cookies: 'always' })
    const plain = await t.add()
    for (const n of [strict, cookie, plain]) n.link.registerService('echo', { onRequest: async () => Buffer.alloc(60_000, 1) })
    const clients = [await t.add({ identity: identityWithRank(0, 1) }), await t.add({ identity: identityWithRank(2) })]
    // Per direction x→y: the largest datagram x sent, whether x sent an init (x initiated), and whether
    // x proved its address (sent DATA or XX_FIN, which need our handshake answer). A responder y may send
    // x nothing but handshake answers no larger than x's largest datagram until x has proven it.
    const dir = new Map<string, { maxSent: number, initiated: boolean, proven: boolean }>()
    const violations: string[] = []
    const key = (x: Endpoint, y: Endpoint): string => `${x.address}:${x.port}>${y.address}:${y.port}`
    const get = (k: string): { maxSent: number, initiated: boolean, proven: boolean } => {
      let v = dir.get(k)
      if (v === undefined) { v = { maxSent: 0, initiated: false, proven: false }; dir.set(k, v) }
      return v
    }
    t.network.tap = (d, from, to) => {
      const type = d[1]
      const isInit = type === PacketType.IK_INIT || type === PacketType.XX_INIT
      const peer = get(key(to, from))
      if (!isInit && peer.initiated && !peer.proven && (d.length > peer.maxSent || type === PacketType.DATA)) {
        violations.push(`${key(from, to)} type ${type} of ${d.length} bytes, peer sent at most ${peer.maxSent}`)
      }
      const me = get(key(from, to))
      me.maxSent = Math.max(me.maxSent, d.length)
      if (isInit) me.initiated = true
      if (type === PacketType.DATA || type === PacketType.XX_FIN) me.proven = true
    }
    for (const c of clients) {
      for (const s of [strict, cookie, plain]) {
        await c.link.request(s.contact, 'echo', Buffer.alloc(10)).catch(() => {})
        await c.link.request(s.endpointOnly, 'echo', Buffer.alloc(10)).catch(() => {})
      }
    }
    // A spoofed init cannot draw more than it sent either.
    const x = attacker(t)
    x.send(encodeLinkPacket({ type: PacketType.XX_INIT, senderIndex: 5, ephemeral: plain.identity.publicKey, cookie: Buffer.alloc(0) }, MIN_INIT_BYTES), plain.transport.local)
    await settle(50)
    expect(violations).toEqual([])
    expect(dir.size).toBeGreaterThan(10)
    expect(x.inbox.every(d => d.length <= MIN_INIT_BYTES)).toBe(true)
  })

  test('a flood of inits gets cookies ("auto" mode) and real clients still get through', async () => {
    const t = net = memoryTestnet(0)
    const b = await t.add({ limits: { handshakeRateForCookies: 20 } })
    b.link.registerService('echo', echo)
    const x = attacker(t)
    for (let i = 0; i < 200; i++) {
      const eph = Buffer.alloc(32, 0); eph.writeUInt32LE(i + 1, 0); eph[31] = 0x40
      x.send(encodeLinkPacket({ type: PacketType.XX_INIT, senderIndex: i, ephemeral: eph, cookie: Buffer.alloc(0) }, MIN_INIT_BYTES), b.transport.local)
    }
    await settle(50)
    expect(b.link.stats.cookiesSent).toBeGreaterThan(100)
    const a = await t.add()
    expect((await a.link.request(b.endpointOnly, 'echo', Buffer.from('ok'))).toString()).toBe('ok')
  })
})

