import { afterEach, describe, expect, test } from 'vitest'
import { isTornetError } from '../../../src/node/errors.js'
import type { PeerInfo } from '../../../src/node/link/types.js'
import { PacketType } from '../../../src/node/wire/link-packets.js'
import { identityWithRank, memoryTestnet, type Testnet } from '../../helpers/link-testnet.js'

let net: Testnet | undefined
afterEach(async () => { await net?.close(); net = undefined })

function echo (prefix = 'echo:'): { onRequest: (p: PeerInfo, x: Buffer) => Promise<Buffer> } {
  return { onRequest: async (_p, x) => Buffer.concat([Buffer.from(prefix), x]) }
}

describe('link over the memory network', () => {
  test('XX path: a request to an endpoint only', async () => {
    const t = net = memoryTestnet(2)
    const [a, b] = t.nodes
    b.link.registerService('echo', echo())
    const r = await a.link.request(b.endpointOnly, 'echo', Buffer.from('hi'))
    expect(r.toString()).toBe('echo:hi')
    expect(a.link.sessions().map(p => p.idHex)).toEqual([b.identity.id.toString('hex')])
    expect(a.link.sessions()[0].rank).toBe(b.identity.rank)
  })

  test('IK path: the first request and its response ride in the handshake (one round trip)', async () => {
    const t = net = memoryTestnet(2)
    const [a, b] = t.nodes
    b.link.registerService('echo', echo())
    const seen: Array<{ dir: string, type: number }> = []
    t.network.tap = (data, from) => { seen.push({ dir: from.address === a.transport.local.address ? 'a>b' : 'b>a', type: data[1] }) }
    const r = await a.link.request(b.contact, 'echo', Buffer.from('0rtt'))
    expect(r.toString()).toBe('echo:0rtt')
    const beforeAnswer = seen.filter(s => s.dir === 'b>a')
    expect(beforeAnswer).toEqual([{ dir: 'b>a', type: PacketType.IK_RESP }])
    expect(seen[0]).toEqual({ dir: 'a>b', type: PacketType.IK_INIT })
  })

  test('requests and responses up to 64 KiB are fragmented and reassembled', async () => {
    const t = net = memoryTestnet(2)
    const [a, b] = t.nodes
    b.link.registerService('rev', { onRequest: async (_p, x) => Buffer.from(x).reverse() })
    const big = Buffer.from(Array.from({ length: 64 * 1024 }, (_, i) => (i * 7) & 0xff))
    const r = await a.link.request(b.contact, 'rev', big)
    expect(r).toEqual(Buffer.from(big).reverse())
    await expect(a.link.request(b.contact, 'rev', Buffer.alloc(64 * 1024 + 1))).rejects.toMatchObject({ code: 'LINK_TOO_LARGE' })
    b.link.registerService('huge', { onRequest: async () => Buffer.alloc(70_000) })
    await expect(a.link.request(b.contact, 'huge', Buffer.alloc(1))).rejects.toMatchObject({ code: 'LINK_TOO_LARGE' })
  })

  test('an unknown service is refused with a clear code, and the session keeps serving', async () => {
    const t = net = memoryTestnet(2)
    const [a, b] = t.nodes
    b.link.registerService('echo', echo())
    await expect(a.link.request(b.contact, 'nope', Buffer.alloc(1))).rejects.toMatchObject({ code: 'LINK_UNKNOWN_SERVICE' })
    expect((await a.link.request(b.contact, 'echo', Buffer.from('x'))).toString()).toBe('echo:x')
  })

  test('a handler\'s TornetError code reaches the caller; other errors become LINK_HANDLER_FAILED', async () => {
    const t = net = memoryTestnet(2)
    const [a, b] = t.nodes
    const { TornetError } = await import('../../../src/node/errors.js')
    b.link.registerService('kv', { onRequest: async () => { throw new TornetError('KV_NOT_FOUND', 'no such key') } })
    b.link.registerService('bug', { onRequest: async () => { throw new Error('oops') } })
    await expect(a.link.request(b.contact, 'kv', Buffer.alloc(1))).rejects.toMatchObject({ code: 'KV_NOT_FOUND', message: 'no such key' })
    await expect(a.link.request(b.contact, 'bug', Buffer.alloc(1))).rejects.toMatchObject({ code: 'LINK_HANDLER_FAILED' })
  })

  test('a lost request is retried with the same id and executed once; a lost response is re-sent from the cache', async () => {
    const t = net = memoryTestnet(2)
    const [a, b] = t.nodes
    let runs = 0
    b.link.registerService('count', { onRequest: async () => { runs++; return Buffer.from([runs]) } })
    await a.link.connect(b.contact)
    await new Promise(resolve => setTimeout(resolve, 20)) // let the confirmation settle
    // Drop the next DATA packet a→b (the request).
    let dropNext: 'a' | 'b' | undefined = 'a'
    t.network.tap = (data, from) => {
      if (data[1] !== PacketType.DATA) return
      const side = from.address === a.transport.local.address ? 'a' : 'b'
      if (dropNext === side) { dropNext = undefined; return false }
    }
    const r1 = await a.link.request(b.contact, 'count', Buffer.alloc(1), { timeoutMs: 3000, retries: 5 })
    expect(r1[0]).toBe(1)
    dropNext = 'b' // now lose the response
    const r2 = await a.link.request(b.contact, 'count', Buffer.alloc(1), { timeoutMs: 3000, retries: 5 })
    expect(r2[0]).toBe(2)
    expect(runs).toBe(2)
  })

  test('timeouts: an unanswered request, an unreachable endpoint, an aborted request', async () => {
    const t = net = memoryTestnet(2)
    const [a, b] = t.nodes
    b.link.registerService('never', { onRequest: async () => await new Promise<Buffer>(() => {}) })
    await expect(a.link.request(b.contact, 'never', Buffer.alloc(1), { timeoutMs: 200 })).rejects.toMatchObject({ code: 'LINK_TIMEOUT' })
    const c = await t.add({ limits: { handshakeTimeoutMs: 300 } })
    await expect(c.link.connect({ endpoint: { address: '10.9.9.9', port: 1 } })).rejects.toMatchObject({ code: 'LINK_HANDSHAKE_TIMEOUT' })
    const ac = new AbortController()
    const p = a.link.request(b.contact, 'never', Buffer.alloc(1), { signal: ac.signal })
    ac.abort()
    await expect(p).rejects.toMatchObject({ code: 'LINK_ABORTED' })
  })

  test('too many requests in flight to one peer are refused locally', async () => {
    const t = net = memoryTestnet(2, { node: { limits: { maxRequestsInFlight: 3 } } })
    const [a, b] = t.nodes
    b.link.registerService('slow', { onRequest: async () => { await new Promise(resolve => setTimeout(resolve, 50)); return Buffer.alloc(0) } })
    const ps = Array.from({ length: 4 }, async () => await a.link.request(b.contact, 'slow', Buffer.alloc(1)))
    const rs = await Promise.allSettled(ps)
    expect(rs.filter(r => r.status === 'fulfilled').length).toBe(3)
    expect(rs.filter(r => r.status === 'rejected' && isTornetError(r.reason, 'LINK_TOO_MANY_REQUESTS')).length).toBe(1)
  })

  test('datagrams reach the service; events report peers; close tells the other side', async () => {
    const t = net = memoryTestnet(2)
    const [a, b] = t.nodes
    const got: Buffer[] = []
    const connected: string[] = []
    const disconnected: string[] = []
    b.link.on('peer-connected', p => connected.push(p.idHex))
    b.link.on('peer-disconnected', p => disconnected.push(p.idHex))
    b.link.registerService('radio', { onDatagram: (_p, d) => got.push(d) })
    await a.link.sendDatagram(b.contact, 'radio', Buffer.from('frame1'))
    await a.link.connect(b.contact)
    await a.link.sendDatagram(b.contact, 'radio', Buffer.from('frame2'))
    await until(() => got.length === 2)
    expect(got.map(String).sort()).toEqual(['frame1', 'frame2'])
    expect(connected).toEqual([a.identity.id.toString('hex')])
    await expect(a.link.sendDatagram(b.contact, 'radio', Buffer.alloc(2000))).rejects.toMatchObject({ code: 'LINK_TOO_LARGE' })
    await a.link.close()
    await until(() => disconnected.length === 1)
    expect(b.link.sessions()).toEqual([])
  })

  test('the meter sees every datagram, by peer and by service', async () => {
    const t = net = memoryTestnet(2)
    const [a, b] = t.nodes
    b.link.registerService('echo', echo())
    await a.link.request(b.endpointOnly, 'echo', Buffer.alloc(3000))
    await until(() => b.link.stats.datagramsIn === a.link.stats.datagramsOut)
    expect(a.meter.bytesOut).toBe(a.link.stats.bytesOut)
    expect(b.meter.bytesIn).toBe(b.link.stats.bytesIn)
    expect(a.meter.byKind.get('echo')?.out).toBeGreaterThan(3000)
    expect(b.meter.byKind.get('echo')?.in).toBeGreaterThan(3000)
    expect(a.meter.byKind.get('handshake')?.out).toBeGreaterThan(1200)
    expect(a.meter.byPeer.get(b.identity.id.toString('hex'))?.in).toBeGreaterThan(0)
  })

  test('20 nodes all-to-all, with loss, latency jitter and duplication', async () => {
    const t = net = memoryTestnet(20, { network: { seed: 7, lossRate: 0.05, duplicateRate: 0.02, latencyMs: 2, jitterMs: 4 } })
    for (const n of t.nodes) n.link.registerService('echo', echo(n.identity.id.toString('hex').slice(0, 8)))
    const jobs: Array<Promise<void>> = []
    for (const a of t.nodes) {
      for (const b of t.nodes) {
        if (a === b) continue
        jobs.push(a.link.request(Math.random() < 0.5 ? b.contact : b.endpointOnly, 'echo', Buffer.from('x'), { timeoutMs: 10_000, retries: 8 }).then(r => {
          expect(r.toString()).toBe(b.identity.id.toString('hex').slice(0, 8) + 'x')
        }))
      }
    }
    await Promise.all(jobs)
  })

  test('the session key rotates under a tiny byte budget while traffic is in flight', async () => {
    const t = net = memoryTestnet(2, { network: { seed: 3, latencyMs: 1, jitterMs: 3 }, node: { rekeyBytes: 16 * 1024 } })
    const [a, b] = t.nodes
    b.link.registerService('echo', echo())
    const rs = await Promise.all(Array.from({ length: 100 }, async (_, i) => await a.link.request(b.contact, 'echo', Buffer.alloc(2000, i))))
    rs.forEach((r, i) => expect(r.subarray(5)).toEqual(Buffer.alloc(2000, i)))
    expect(a.link.stats.rekeys).toBeGreaterThan(10)
    expect(b.link.stats.rekeys).toBeGreaterThan(10)
    expect(b.link.stats.dropped['bad-mac'] ?? 0).toBe(0)
  })

  test('the session key rotates after the time budget', async () => {
    const t = net = memoryTestnet(2, { node: { rekeyMs: 30 } })
    const [a, b] = t.nodes
    b.link.registerService('echo', echo())
    for (let i = 0; i < 4; i++) {
      await a.link.request(b.contact, 'echo', Buffer.from([i]))
      await new Promise(resolve => setTimeout(resolve, 40))
    }
    expect(a.link.stats.rekeys).toBeGreaterThanOrEqual(3)
  })

  test('a larger datagram size is used only after a probe proves the path', async () => {
    const t = net = memoryTestnet(0, { network: { maxDatagram: 1500 } })
    const a = await t.add({ probeMtu: 1400 })
    const b = await t.add({ probeMtu: 1400 })
    const c = await t.add({ probeMtu: 9000 })
    b.link.registerService('echo', echo())
    const sizes: number[] = []
    let from = a.transport.local.address
    t.network.tap = (d, src) => { if (src.address === from) sizes.push(d.length) }
    await a.link.request(b.contact, 'echo', Buffer.alloc(1))
    await until(() => sizes.includes(1400))
    await new Promise(resolve => setTimeout(resolve, 20))
    sizes.length = 0
    await a.link.request(b.contact, 'echo', Buffer.alloc(5000))
    expect(Math.max(...sizes)).toBe(1400)
    // c probes 9000 bytes, which this network drops: c stays at 1200.
    from = c.transport.local.address
    await c.link.request(b.contact, 'echo', Buffer.alloc(1))
    await new Promise(resolve => setTimeout(resolve, 50))
    sizes.length = 0
    await c.link.request(b.contact, 'echo', Buffer.alloc(5000))
    expect(Math.max(...sizes)).toBe(1200)
  })

  test('sessions beyond the cap: our new session takes the place of the lowest standing (rank before recency)', async () => {
    // Was "least recently used first"; issue 12 item 6 orders by standing (validated, rank, age, contribution).
    const t = net = memoryTestnet(1, { node: { limits: { maxSessions: 2 } } })
    const [a] = t.nodes
    const b = await t.add({ identity: identityWithRank(3, 3) })
    const c = await t.add({ identity: identityWithRank(0, 0) })
    const d = await t.add({ identity: identityWithRank(1, 1) })
    for (const n of [b, c, d]) n.link.registerService('echo', echo())
    await a.link.request(b.contact, 'echo', Buffer.alloc(1))
    await new Promise(resolve => setTimeout(resolve, 5))
    await a.link.request(c.contact, 'echo', Buffer.alloc(1))
    await a.link.request(d.contact, 'echo', Buffer.alloc(1))
    const ids = a.link.sessions().map(p => p.idHex).sort()
    expect(ids).toEqual([b, d].map(n => n.identity.id.toString('hex')).sort())
  })

  test('a node cannot link to itself', async () => {
    const t = net = memoryTestnet(1)
    const [a] = t.nodes
    await expect(a.link.request(a.contact, 'x', Buffer.alloc(1))).rejects.toMatchObject({ code: 'LINK_SELF' })
    await expect(a.link.request(a.endpointOnly, 'x', Buffer.alloc(1))).rejects.toMatchObject({ code: 'LINK_SELF' })
  })
})

async function until (cond: () => boolean, ms = 5000): Promise<void> {
  const end = Date.now() + ms
  while (!cond()) {
    if (Date.now() > end) throw new Error('condition not reached')
    await new Promise(resolve => setTimeout(resolve, 2))
  }
}
