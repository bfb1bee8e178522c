import { afterEach, describe, expect, test } from 'vitest'
import type { Identity } from '../../../src/node/identity/identity.js'
import { InitiatorHandshake, localKeys } from '../../../src/node/link/handshake.js'
import { createSigner } from '../../../src/node/link/link-crypto.js'
import type { Endpoint } from '../../../src/node/types.js'
import { MIN_INIT_BYTES } from '../../../src/node/wire/link-packets.js'
import { identityWithRank, makeNode, memoryTestnet, type TestNode, type Testnet } from '../../helpers/link-testnet.js'

/**
 * Issue 12, item 6: cheap identities and unvalidated sessions must not evict
 * real peers. Sessions are evicted by standing (validated, rank, age,
 * contribution), a source address holds a bounded number of sessions, and
 * sessions whose address is not yet validated have their own cap.
 */
let net: Testnet | undefined
afterEach(async () => { await net?.close(); net = undefined })

const echo = { onRequest: async (_p: unknown, x: Buffer) => x }
const settle = async (ms: number): Promise<void> => { await new Promise(resolve => setTimeout(resolve, ms)) }
async function until (cond: () => boolean, ms = 20_000): Promise<void> {
  const end = Date.now() + ms
  while (!cond()) {
    if (Date.now() > end) throw new Error('condition not reached')
    await settle(2)
  }
}
const hex = (n: TestNode): string => n.identity.id.toString('hex')

/** Authenticated IK inits (0-RTT) with `identity`, each from its own spoofed source: sessions that never get validated. */
function spoofIk (t: Testnet & { network: import('../../../src/node/transport/memory.js').MemoryNetwork }, identity: Identity, to: TestNode, count: number, base: number): void {
  const keys = localKeys(identity, createSigner(identity.secretKey))
  for (let i = 0; i < count; i++) {
    const h = new InitiatorHandshake(keys, { pattern: 'ik', localIndex: base + i, remotePublicKey: to.identity.publicKey, minRank: 0, datagramSize: MIN_INIT_BYTES, now: Date.now })
    const from: Endpoint = { address: `13.${(base + i) & 0xff}.${(base + i) >> 8 & 0xff}.1`, port: 4000 }
    t.network.deliver(h.initPacket(), from, to.transport.local)
  }
}

describe('the session table under a flood of cheap sessions', () => {
  test('new low-rank or unvalidated sessions from spoofed sources do not evict established higher-ranked sessions', async () => {
    const t = net = memoryTestnet(0)
    const b = await t.add({ limits: { maxSessions: 8 } })
    b.link.registerService('echo', echo)
    const strong = await t.add({ identity: identityWithRank(4) })
    const weak = await t.add({ identity: identityWithRank(0, 0) }) // established and validated, but rank 0
    for (const n of [strong, weak]) {
      await n.link.request(b.contact, 'echo', Buffer.from('x'))
      await n.link.request(b.contact, 'echo', Buffer.from('y')) // validated
    }
    const seen = b.link.stats.datagramsIn
    spoofIk(t, identityWithRank(0, 1), b, 40, 1) // cheap identities
    spoofIk(t, identityWithRank(6), b, 40, 100) // costlier, but never validated
    await until(() => b.link.stats.datagramsIn >= seen + 80)
    const ids = b.link.sessions().map(p => p.idHex)
    expect(ids).toContain(hex(strong))
    expect(ids).toContain(hex(weak))
    expect(b.link.sessionCounts().total).toBeLessThanOrEqual(8)
    const started = strong.link.stats.handshakesStarted
    expect((await strong.link.request(b.contact, 'echo', Buffer.from('still'))).toString()).toBe('still')
    expect(strong.link.stats.handshakesStarted).toBe(started) // the same session, no new handshake
  })

  test('a validated newcomer of higher rank takes the place of the lowest-ranked session', async () => {
    const t = net = memoryTestnet(0)
    const b = await t.add({ limits: { maxSessions: 2 } })
    b.link.registerService('echo', echo)
    const [low, mid, high] = [await t.add({ identity: identityWithRank(0, 0) }), await t.add({ identity: identityWithRank(2, 2) }), await t.add({ identity: identityWithRank(4, 4) })]
    for (const n of [low, mid, high]) await n.link.request(b.endpointOnly, 'echo', Buffer.from('x'))
    await settle(5)
    expect(b.link.sessions().map(p => p.idHex).sort()).toEqual([hex(mid), hex(high)].sort())
    // An equal-ranked newcomer does not displace an established peer.
    const mid2 = await t.add({ identity: identityWithRank(2, 2) })
    await expect(mid2.link.request(b.endpointOnly, 'echo', Buffer.from('x'))).rejects.toMatchObject({ code: 'LINK_BUSY' })
    expect(b.link.sessions().map(p => p.idHex).sort()).toEqual([hex(mid), hex(high)].sort())
  })

  test('one source address holds at most maxSessionsPerAddress sessions', async () => {
    const t = net = memoryTestnet(0)
    const b = await t.add({ limits: { maxSessionsPerAddress: 3 } })
    b.link.registerService('echo', echo)
    const same = Array.from({ length: 5 }, (_, i) => makeNode(t.network.createTransport({ address: '12.0.0.9', port: 100 + i })))
    t.nodes.push(...same)
    const results = []
    for (const n of same) results.push(await n.link.request(b.endpointOnly, 'echo', Buffer.from('x')).then(() => 'ok', (err: { code?: string }) => err.code))
    expect(results).toEqual(['ok', 'ok', 'ok', 'LINK_BUSY', 'LINK_BUSY'])
    // The IK path is held to the same cap (BUSY, fallback to XX, BUSY again).
    const ik = makeNode(t.network.createTransport({ address: '12.0.0.9', port: 200 }))
    t.nodes.push(ik)
    await expect(ik.link.request(b.contact, 'echo', Buffer.from('x'))).rejects.toMatchObject({ code: 'LINK_BUSY' })
    const other = await t.add()
    expect((await other.link.request(b.contact, 'echo', Buffer.from('ok'))).toString()).toBe('ok')
  })

  test('unvalidated sessions have their own cap and expire; a real client still gets through', async () => {
    let clock = Date.now()
    const t = net = memoryTestnet(0)
    const b = await t.add({ now: () => clock, limits: { maxUnvalidatedSessions: 4, tickMs: 10 } })
    b.link.registerService('echo', echo)
    spoofIk(t, identityWithRank(0), b, 20, 1)
    await until(() => b.link.stats.datagramsIn >= 20)
    expect(b.link.sessionCounts().unvalidated).toBeLessThanOrEqual(4)
    expect(b.link.sessionCounts().total).toBeLessThanOrEqual(4)
    const a = await t.add()
    expect((await a.link.request(b.contact, 'echo', Buffer.from('ok'))).toString()).toBe('ok')
    expect(b.link.sessionCounts().unvalidated).toBeGreaterThan(0) // the spoofed ones, still waiting
    clock += 60_000
    await until(() => b.link.sessionCounts().unvalidated === 0)
    expect(b.link.sessions().map(p => p.idHex)).toEqual([hex(a)])
  })
})
