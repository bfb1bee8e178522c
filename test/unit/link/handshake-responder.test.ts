import { randomBytes } from 'node:crypto'
import { afterEach, describe, expect, test } from 'vitest'
import { generateIdentity } from '../../../src/node/identity/identity.js'
import { InitiatorHandshake, localKeys } from '../../../src/node/link/handshake.js'
import { createSigner } from '../../../src/node/link/link-crypto.js'
import type { Endpoint } from '../../../src/node/types.js'
import { decodeLinkPacket, encodeLinkPacket, MIN_INIT_BYTES, PacketType } from '../../../src/node/wire/link-packets.js'
import { memoryTestnet, type Testnet } from '../../helpers/link-testnet.js'

/**
 * Issue 12, item 2: the 0-RTT (IK) handshake must not be lockable. An init
 * that does not authenticate leaves no state; inits are rate-limited per
 * source address, per network and globally (over the rate: a cookie); one
 * address holds a bounded share of the replay table; and when the responder
 * is busy the initiator falls back to XX.
 */
let net: Testnet | undefined
afterEach(async () => { await net?.close(); net = undefined })

const echo = { onRequest: async (_p: unknown, x: Buffer) => x }
async function until (cond: () => boolean, ms = 20_000): Promise<void> {
  const end = Date.now() + ms
  while (!cond()) {
    if (Date.now() > end) throw new Error('condition not reached')
    await new Promise(resolve => setTimeout(resolve, 2))
  }
}

function junkIkInit (senderIndex: number, cookie = Buffer.alloc(0)): Buffer {
  return encodeLinkPacket({ type: PacketType.IK_INIT, senderIndex, ephemeral: randomBytes(32), cookie, sealed: randomBytes(300) }, MIN_INIT_BYTES)
}

describe('IK_INIT flood', () => {
  test('16,384 undecryptable inits from spoofed sources leave no state; a valid IK init is then accepted', async () => {
    let clock = Date.now()
    const t = net = memoryTestnet(0)
    const b = await t.add({ now: () => clock })
    b.link.registerService('echo', echo)
    const before = b.link.handshakeTables().recentInits
    // 1,000 per (fake) second, each from its own /24: below every cookie threshold.
    for (let batch = 0; batch < 17; batch++) {
      const end = Math.min(16_384, (batch + 1) * 1000)
      for (let i = batch * 1000; i < end; i++) {
        const from: Endpoint = { address: `11.${(i >> 8) & 0xff}.${i & 0xff}.7`, port: 4000 }
        t.network.deliver(junkIkInit(i + 1), from, b.transport.local)
      }
      await until(() => b.link.stats.datagramsIn >= end)
      clock += 1000
    }
    expect(b.link.stats.cookiesSent).toBe(0) // the flood stayed below the cookie thresholds
    expect(b.link.handshakeTables().recentInits).toBe(before)
    const a = await t.add()
    const types: number[] = []
    t.network.tap = (d, from) => { if (from.address === b.transport.local.address) types.push(d[1]) }
    expect((await a.link.request(b.contact, 'echo', Buffer.from('ik'))).toString()).toBe('ik')
    expect(types[0]).toBe(PacketType.IK_RESP) // 0-RTT, no refusal, no fallback
    expect(b.link.handshakeTables().recentInits).toBe(before + 1)
  })

  test('a flood of undecryptable inits from one address (echoing cookies) does not stop another address', async () => {
    const clock = Date.now()
    const t = net = memoryTestnet(0)
    const b = await t.add({ now: () => clock, limits: { maxRecentInits: 1000 } })
    b.link.registerService('echo', echo)
    const x = t.network.createTransport({ address: '12.0.0.1', port: 5000 })
    const cookies = new Map<number, Buffer>()
    x.onDatagram((d) => { const p = decodeLinkPacket(d); if (p.type === PacketType.COOKIE) cookies.set(p.receiverIndex, p.cookie) })
    let replies = 0
    x.onDatagram((d) => { replies++; const p = decodeLinkPacket(d); if (p.type === PacketType.COOKIE) cookies.set(p.receiverIndex, p.cookie) })
    for (let i = 1; i <= 3000; i++) x.send(junkIkInit(i), b.transport.local)
    await until(() => b.link.stats.datagramsIn >= 3000 && replies >= b.link.stats.datagramsOut)
    // The attacker owns its address, so it can echo every cookie it got (for a fresh ephemeral the cookie does not fit, but try).
    for (const [i, c] of cookies) x.send(junkIkInit(i, c), b.transport.local)
    await until(() => b.link.stats.datagramsIn >= 3000 + cookies.size && replies >= b.link.stats.datagramsOut)
    expect(b.link.handshakeTables().recentInits).toBe(0)
    const a = await t.add()
    const types: number[] = []
    t.network.tap = (d, from) => { if (from.address === b.transport.local.address) types.push(d[1]) }
    expect((await a.link.request(b.contact, 'echo', Buffer.from('ik'))).toString()).toBe('ik')
    expect(types).toContain(PacketType.IK_RESP)
    expect(types).not.toContain(PacketType.REFUSE)
  })

  test('authenticated inits from one address fill at most its share of the replay table', async () => {
    const clock = Date.now()
    const t = net = memoryTestnet(0)
    const b = await t.add({ now: () => clock, limits: { maxRecentInits: 100, maxRecentInitsPerAddress: 20 } })
    b.link.registerService('echo', echo)
    // A real identity at a real address, each init with a fresh ephemeral (a fresh 0-RTT handshake).
    const me = generateIdentity()
    const keys = localKeys(me, createSigner(me.secretKey))
    const x = t.network.createTransport({ address: '12.0.0.2', port: 5000 })
    const hs = new Map<number, InitiatorHandshake>()
    const cookies = new Map<number, Buffer>()
    let replies = 0
    x.onDatagram((d) => { replies++; const p = decodeLinkPacket(d); if (p.type === PacketType.COOKIE) cookies.set(p.receiverIndex, p.cookie) })
    for (let i = 1; i <= 200; i++) {
      const h = new InitiatorHandshake(keys, { pattern: 'ik', localIndex: i, remotePublicKey: b.identity.publicKey, minRank: 0, datagramSize: MIN_INIT_BYTES, now: () => clock })
      hs.set(i, h)
      x.send(h.initPacket(), b.transport.local)
    }
    await until(() => b.link.stats.datagramsIn >= 200 && replies >= b.link.stats.datagramsOut)
    for (const [i, c] of cookies) x.send((hs.get(i) as InitiatorHandshake).initPacket(c), b.transport.local)
    await until(() => b.link.stats.datagramsIn >= 200 + cookies.size && replies >= b.link.stats.datagramsOut)
    expect(b.link.handshakeTables().recentInits).toBeLessThanOrEqual(20)
    expect(b.link.stats.handshakesAccepted).toBeGreaterThan(0) // the attacker did get some handshakes through
    const a = await t.add()
    const types: number[] = []
    t.network.tap = (d, from) => { if (from.address === b.transport.local.address) types.push(d[1]) }
    expect((await a.link.request(b.contact, 'echo', Buffer.from('ik'))).toString()).toBe('ik')
    expect(types).toContain(PacketType.IK_RESP)
  })

  test('when the replay table is full the responder refuses BUSY and the initiator falls back to XX', async () => {
    const t = net = memoryTestnet(0)
    const b = await t.add({ limits: { maxRecentInits: 1 } })
    b.link.registerService('echo', echo)
    const a1 = await t.add()
    expect((await a1.link.request(b.contact, 'echo', Buffer.from('one'))).toString()).toBe('one')
    const a2 = await t.add()
    const types: number[] = []
    const ends = new Set([a2.transport.local.address, b.transport.local.address])
    t.network.tap = (d, from, to) => { if (ends.has(from.address) && ends.has(to.address) && d[1] !== PacketType.DATA) types.push(d[1]) }
    // The 0-RTT request rides in XX_FIN after the fallback and is answered once.
    let runs = 0
    b.link.registerService('count', { onRequest: async (_p, x) => { runs++; return x } })
    expect((await a2.link.request(b.contact, 'count', Buffer.from('two'))).toString()).toBe('two')
    expect(runs).toBe(1)
    expect(types.slice(0, 5)).toEqual([PacketType.IK_INIT, PacketType.REFUSE, PacketType.XX_INIT, PacketType.XX_RESP, PacketType.XX_FIN])
    expect(a2.link.stats.handshakeFallbacks).toBe(1)
    expect(a2.link.sessions().map(p => p.idHex)).toEqual([b.identity.id.toString('hex')])
  })
})
