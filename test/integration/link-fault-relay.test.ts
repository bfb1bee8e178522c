import { createHash } from 'node:crypto'
import { afterEach, expect, test } from 'vitest'
import { createUdpFaultRelay, type FaultRelay } from '../helpers/udp-fault-relay.js'
import { type Testnet, udpTestnet } from '../helpers/link-testnet.js'

let net: Testnet | undefined
let relay: FaultRelay | undefined
afterEach(async () => { await net?.close(); await relay?.close(); net = undefined; relay = undefined })

/** Deterministic pseudo-random bytes, generated chunk by chunk (no 64 MiB buffer held twice). */
function * chunks (total: number, size: number, seed: number): Generator<Buffer> {
  let x = seed >>> 0
  for (let off = 0; off < total; off += size) {
    const n = Math.min(size, total - off)
    const b = Buffer.allocUnsafe(n)
    for (let i = 0; i < n; i += 4) { x = (Math.imul(x, 1664525) + 1013904223) >>> 0; b.writeUInt32LE(x, i) }
    yield b
  }
}

test('a 64 MiB stream arrives byte-exact over real UDP through 5% loss, reordering and duplication', async () => {
  const t = net = await udpTestnet(2)
  const [a, b] = t.nodes
  const TOTAL = 64 * 1024 * 1024
  const received = new Promise<{ digest: string, bytes: number }>((resolve, reject) => {
    b.link.registerService('sink', {
      onStream: (_p, s) => {
        const h = createHash('sha256'); let bytes = 0
        s.on('data', (c: Buffer) => { h.update(c); bytes += c.length })
        s.on('end', () => { resolve({ digest: h.digest('hex'), bytes }); s.end() })
        s.on('error', reject)
      }
    })
  })
  relay = await createUdpFaultRelay(b.transport.local, { seed: 2024, dropRate: 0.05, duplicateRate: 0.02, reorderRate: 0.05, reorderMaxMs: 4 })
  const s = await a.link.openStream({ endpoint: relay.endpoint, publicKey: b.identity.publicKey }, 'sink')
  s.on('error', () => {})
  const sent = createHash('sha256')
  for (const c of chunks(TOTAL, 1024 * 1024, 7)) {
    sent.update(c)
    if (!s.write(c)) await new Promise(resolve => s.once('drain', resolve))
  }
  s.end()
  const r = await received
  expect(r.bytes).toBe(TOTAL)
  expect(r.digest).toBe(sent.digest('hex'))
  expect(relay.stats.dropped).toBeGreaterThan(1000)
  expect(relay.stats.duplicated).toBeGreaterThan(100)
  expect(relay.stats.reordered).toBeGreaterThan(1000)
}, 120_000)
