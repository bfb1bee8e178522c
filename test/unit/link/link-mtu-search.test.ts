import { afterEach, describe, expect, test } from 'vitest'
import { memoryTestnet, type Testnet, type TestNode } from '../../helpers/link-testnet.js'

/**
 * The datagram-size search on a session (DPLPMTUD-style): over a memory
 * network whose path carries at most `limit` bytes (a tap drops the rest),
 * the session settles just under the limit, and when the path shrinks under
 * a running stream (a black hole) it falls back to the 1,200-byte base.
 */
let net: Testnet | undefined
afterEach(async () => { await net?.close(); net = undefined })

async function until (cond: () => boolean, ms = 8000): Promise<void> {
  const end = Date.now() + ms
  while (!cond()) {
    if (Date.now() > end) throw new Error('condition not reached')
    await new Promise(resolve => setTimeout(resolve, 10))
  }
}

/** Two linked nodes searching up to 1452 bytes over a path carrying at most `path.limit` bytes. */
async function pathOf (limit: number): Promise<{ path: { limit: number }, a: TestNode, b: TestNode, id: string }> {
  const path = { limit }
  const t = net = memoryTestnet(0)
  t.network.tap = (d) => d.length <= path.limit
  const opts = { probeMtu: 1452, limits: { tickMs: 20 } }
  const a = await t.add(opts)
  const b = await t.add(opts)
  return { path, a, b, id: b.identity.id.toString('hex') }
}

describe('link datagram-size search', () => {
  test('settles within 16 bytes under what the path carries, above the base', async () => {
    const { path, a, b, id } = await pathOf(1400)
    b.link.registerService('echo', { onRequest: (_p, x) => x })
    await a.link.request(b.contact, 'echo', Buffer.alloc(1))
    await until(() => (a.link.datagramSize(id) ?? 0) > 1400 - 16)
    expect(a.link.datagramSize(id)).toBeLessThanOrEqual(1400)
    path.limit = 1452
    expect(a.link.datagramSize(id)).toBeLessThanOrEqual(1400) // no raise before the raise timer
  })

  test('a path that stops carrying the probed size under a stream: back to 1,200 bytes', async () => {
    const { path, a, b, id } = await pathOf(65_507)
    b.link.registerService('sink', { onStream: (_p, s) => { s.on('error', () => {}); s.resume() } })
    await a.link.connect(b.contact)
    await until(() => a.link.datagramSize(id) === 1452)
    const s = await a.link.openStream(b.contact, 'sink')
    s.on('error', () => {})
    s.write(Buffer.alloc(64 * 1024, 1))
    await new Promise(resolve => setTimeout(resolve, 200))
    path.limit = 1300 // the route changed: full-size datagrams vanish
    s.write(Buffer.alloc(64 * 1024, 2))
    // Confirmation probes of 1452 go unanswered: the session falls back to 1200, then searches again
    // and settles under the new limit.
    await until(() => (a.link.datagramSize(id) ?? Infinity) <= 1300)
    await until(() => (a.link.datagramSize(id) ?? 0) > 1300 - 16)
    expect(a.link.datagramSize(id)).toBeLessThanOrEqual(1300)
    s.destroy()
  })
})
