import { afterEach, describe, expect, test } from 'vitest'
import type { Link } from '../../../src/node/link/link.js'
import type { Session } from '../../../src/node/link/session.js'
import { encodeFrames, FrameType } from '../../../src/node/wire/channel-frames.js'
import { memoryTestnet, type TestNode, type Testnet } from '../../helpers/link-testnet.js'

/**
 * The reassembly budget (bytes of fragmented requests and responses still
 * incomplete) is shared by all sessions; a few peers sending first fragments
 * only must not take it all and starve everyone else.
 */
let net: Testnet | undefined
afterEach(async () => { await net?.close(); net = undefined })

const echo = { onRequest: async (_p: unknown, x: Buffer) => x }
const settle = async (ms = 30): Promise<void> => { await new Promise(resolve => setTimeout(resolve, ms)) }

function sessionTo (link: Link, peer: TestNode): Session {
  const all = [...(link as unknown as { byIndex: Map<number, Session> }).byIndex.values()]
  const s = all.find(x => x.peer?.idHex === peer.identity.id.toString('hex'))
  expect(s).toBeDefined()
  return s as Session
}

/** Sends, inside the session, fragments 0..count-1 of `messages` requests that never complete. */
function hoard (s: Session, messages: number, count: number, firstReqId: number): void {
  const send = (s as unknown as { transmitPlain: (p: Buffer, kind: string) => void }).transmitPlain.bind(s)
  for (let m = 0; m < messages; m++) {
    for (let i = 0; i < count; i++) {
      send(encodeFrames([{ type: FrameType.REQUEST, reqId: firstReqId + m, fragIndex: i, fragCount: 60, service: 'echo', data: Buffer.alloc(1000, 7) }]), 'echo')
    }
  }
}

const limits = { reassemblyBudgetBytes: 64 * 1024, reassemblySessionBytes: 24 * 1024 }

describe('per-session reassembly share', () => {
  test('several sessions fill their share (and more); another session still reassembles a fragmented request', async () => {
    const t = net = memoryTestnet(0)
    const b = await t.add({ limits })
    b.link.registerService('echo', echo)
    const hoarders = [await t.add(), await t.add(), await t.add(), await t.add()]
    for (const h of hoarders) await h.link.request(b.contact, 'echo', Buffer.from('hi'))
    // Each hoarder sends 3 × 15 fragments of 1000 bytes (45 KB), never the last ones.
    for (const h of hoarders) hoard(sessionTo(h.link, b), 3, 15, 1000)
    await settle()
    const c = await t.add()
    const big = Buffer.alloc(6000, 9)
    expect(await c.link.request(b.contact, 'echo', big, { timeoutMs: 2000, retries: 3 })).toEqual(big)
    // And so does a second newcomer.
    const again = await t.add()
    await again.link.request(b.contact, 'echo', Buffer.from('hi'))
    expect(await again.link.request(b.contact, 'echo', big, { timeoutMs: 2000, retries: 3 })).toEqual(big)
  })

  test('partial messages expire after the reassembly time-out and are released when a session closes', async () => {
    let skew = 0
    const t = net = memoryTestnet(0)
    const b = await t.add({ now: () => Date.now() + skew, limits: { ...limits, tickMs: 10, reassemblyTimeoutMs: 5_000 } })
    b.link.registerService('echo', echo)
    const h1 = await t.add()
    const h2 = await t.add()
    for (const h of [h1, h2]) await h.link.request(b.contact, 'echo', Buffer.from('hi'))
    const pool = (b.link as unknown as { sessionHost: { budget: { used: number } } }).sessionHost.budget
    hoard(sessionTo(h1.link, b), 1, 10, 1000)
    hoard(sessionTo(h2.link, b), 1, 10, 1000)
    await settle()
    expect(pool.used).toBe(20_000)
    await h1.link.close()
    await settle()
    expect(pool.used).toBe(10_000) // h1's partial went with its session
    skew += 6_000
    await settle()
    expect(pool.used).toBe(0) // h2's expired
  })
})
