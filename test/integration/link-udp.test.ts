import { createHash } from 'node:crypto'
import { createSocket } from 'node:dgram'
import type { Duplex } from 'node:stream'
import { afterEach, describe, expect, test } from 'vitest'
import { type Testnet, udpTestnet } from '../helpers/link-testnet.js'

let net: Testnet | undefined
afterEach(async () => { await net?.close(); net = undefined })

async function canBind (host: string): Promise<boolean> {
  const s = createSocket('udp6')
  return await new Promise((resolve) => {
    s.once('error', () => { s.close(); resolve(false) })
    s.bind(0, host, () => { s.close(); resolve(true) })
  })
}
const v6 = await canBind('::1')

async function readAll (s: Duplex): Promise<Buffer> {
  s.on('error', () => {})
  const parts: Buffer[] = []
  for await (const c of s) parts.push(c as Buffer)
  return Buffer.concat(parts)
}

function sha (b: Buffer): string { return createHash('sha256').update(b).digest('hex') }

describe('links over real UDP', () => {
  test('20 nodes on 127.0.0.1 exchange requests all-to-all and some streams', async () => {
    const t = net = await udpTestnet(20)
    for (const n of t.nodes) {
      const tag = n.identity.id.subarray(0, 4)
      n.link.registerService('echo', { onRequest: async (_p, x) => Buffer.concat([tag, x]) })
      n.link.registerService('echo-stream', { onStream: (_p, s) => { s.on('error', () => {}); s.pipe(s) } })
    }
    const jobs: Array<Promise<void>> = []
    t.nodes.forEach((a, i) => t.nodes.forEach((b, j) => {
      if (i === j) return
      const to = (i + j) % 2 === 0 ? b.contact : b.endpointOnly // both handshake patterns
      const payload = Buffer.from(`${i}->${j}`)
      jobs.push(a.link.request(to, 'echo', payload, { timeoutMs: 20_000, retries: 6 }).then(r => {
        expect(r).toEqual(Buffer.concat([b.identity.id.subarray(0, 4), payload]))
      }))
    }))
    await Promise.all(jobs)
    for (const n of t.nodes) expect(n.link.sessions().length).toBe(19)
    // Ten streams of 1 MiB between random pairs, concurrently.
    const streams = Array.from({ length: 10 }, async (_, k) => {
      const a = t.nodes[k]; const b = t.nodes[(k * 7 + 3) % 20]
      const data = createHash('sha512').update(String(k)).digest()
      const big = Buffer.concat(Array(16384).fill(data)) // 1 MiB
      const s = await a.link.openStream(b.contact, 'echo-stream')
      const got = readAll(s)
      s.end(big)
      expect(sha(await got)).toBe(sha(big))
    })
    await Promise.all(streams)
    for (const n of t.nodes) {
      expect(n.link.stats.dropped['bad-mac'] ?? 0).toBe(0)
      expect(n.meter.bytesIn).toBe(n.link.stats.bytesIn)
    }
  }, 60_000)

  test.skipIf(!v6)('IPv6: requests and a stream over ::1 (skipped only when ::1 cannot be bound)', async () => {
    const t = net = await udpTestnet(3, { host: '::1' })
    const [a, b, c] = t.nodes
    expect(b.transport.local.address).toBe('::1')
    b.link.registerService('echo', { onRequest: async (_p, x) => x })
    b.link.registerService('echo-stream', { onStream: (_p, s) => { s.on('error', () => {}); s.pipe(s) } })
    expect((await a.link.request(b.contact, 'echo', Buffer.from('v6 ik'))).toString()).toBe('v6 ik')
    expect((await c.link.request(b.endpointOnly, 'echo', Buffer.from('v6 xx'))).toString()).toBe('v6 xx')
    expect(b.link.sessions().map(p => p.endpoint.address)).toEqual(['::1', '::1'])
    const s = await a.link.openStream(b.contact, 'echo-stream')
    const data = Buffer.alloc(200_000, 0x5a)
    const got = readAll(s)
    s.end(data)
    expect((await got).equals(data)).toBe(true)
  })

  test.skipIf(!v6)('a dual-stack node ("::") serves IPv4 and IPv6 peers', async () => {
    const v4 = net = await udpTestnet(1)
    const dual = await udpTestnet(1, { host: '::' })
    const v6net = await udpTestnet(1, { host: '::1' })
    try {
      const d = dual.nodes[0]
      d.link.registerService('echo', { onRequest: async (_p, x) => x })
      const port = d.transport.local.port
      const r4 = await v4.nodes[0].link.request({ endpoint: { address: '127.0.0.1', port }, publicKey: d.identity.publicKey }, 'echo', Buffer.from('4'))
      expect(r4.toString()).toBe('4')
      const r6 = await v6net.nodes[0].link.request({ endpoint: { address: '::1', port } }, 'echo', Buffer.from('6'))
      expect(r6.toString()).toBe('6')
      expect(d.link.sessions().map(p => p.endpoint.address).sort()).toEqual(['127.0.0.1', '::1'])
    } finally { await dual.close(); await v6net.close() }
  })
})
