import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createHash } from 'node:crypto'
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { writePseudoRandomFile } from '../../bench/support/files.js'
import { createTestnet, type Testnet } from '../helpers/testnet.js'

async function sha256Of (it: AsyncIterable<Uint8Array>): Promise<{ hex: string, bytes: number }> {
  const h = createHash('sha256')
  let bytes = 0
  for await (const b of it) { h.update(b); bytes += b.length }
  return { hex: h.digest('hex'), bytes }
}

const BIG = Number(process.env.TORNET_TEST_BIG_MIB ?? 300) * 1024 * 1024

describe('content across 10 real nodes on 127.0.0.1', () => {
  let net: Testnet
  let dir: string
  let bigHash: string
  const small = new Map<string, Buffer>()

  beforeAll(async () => {
    net = await createTestnet(10, { probeMtu: 16_000 })
    dir = mkdtempSync(join(tmpdir(), 'tornet-site-'))
    mkdirSync(join(dir, 'many'))
    mkdirSync(join(dir, 'ünïcödé 名前'))
    for (let i = 0; i < 2000; i++) {
      const body = Buffer.from(`file ${i} `.repeat(i % 50))
      const rel = `many/f${i}.txt`
      writeFileSync(join(dir, rel), body)
      small.set(rel, body)
    }
    writeFileSync(join(dir, 'empty.txt'), '')
    small.set('empty.txt', Buffer.alloc(0))
    writeFileSync(join(dir, 'ünïcödé 名前', 'häßlich.html'), '<p>unicode</p>')
    small.set('ünïcödé 名前/häßlich.html', Buffer.from('<p>unicode</p>'))
    bigHash = await writePseudoRandomFile(join(dir, 'big.bin'), BIG, 7)
  })
  afterAll(async () => {
    await net?.close()
    if (dir !== undefined) rmSync(dir, { recursive: true, force: true })
  })

  it('publishes on one node and reads every file byte-exact from another', async () => {
    const publisher = net.nodes[0]
    const published = await publisher.publish(dir)
    expect(published.url).toMatch(/^http:\/\/[a-z2-7]{56}\.[a-z2-7]{56}\.tor-net\/$/)

    const reader = net.nodes[7]
    const root = []
    for await (const e of reader.content.list(published.host, '')) root.push(e.name)
    expect(root.sort()).toEqual(['big.bin', 'empty.txt', 'many', 'ünïcödé 名前'].sort())

    for (const [rel, body] of [...small].filter((_, i) => i % 97 === 0 || _[0].includes('ü') || _[0] === 'empty.txt')) {
      const got = await sha256Of(reader.content.read(published.host, rel, undefined))
      expect(got.hex, rel).toBe(createHash('sha256').update(body).digest('hex'))
    }
    // Transient, as `tornet get` and the gateway read: each plaintext buffer goes back to the
    // crypto pool once hashed and is reused for a later part, so a buffer reused while still in
    // use (given back twice, or too early) would change the hash.
    const allocated = reader.internals.chunkCrypto.stats.buffersAllocated
    const big = await sha256Of(reader.content.read(published.host, 'big.bin', undefined, undefined, { transient: true }))
    // ~300 parts went through a handful of buffers (of the reader's own pool).
    expect(reader.internals.chunkCrypto.stats.buffersAllocated - allocated).toBeLessThan(40)
    expect(big.bytes).toBe(BIG)
    expect(big.hex).toBe(bigHash)
    // The reader now caches what it downloaded, so it serves it too.
    expect(reader.storeUsage().cacheCount).toBeGreaterThan(0)
  })

  it('an unknown path is CONTENT_NOT_FOUND', async () => {
    const published = await net.nodes[1].publish(join(dir, 'ünïcödé 名前'))
    await expect(net.nodes[4].content.stat(published.host, 'nope.html')).rejects.toMatchObject({ code: 'CONTENT_NOT_FOUND' })
  })
})

describe('content accounting', () => {
  it('credits the peers that served chunks in the routing table (the seed\'s bucket order)', async () => {
    const net = await createTestnet(4, { probeMtu: 16_000 })
    const dir = mkdtempSync(join(tmpdir(), 'tornet-acct-'))
    try {
      writeFileSync(join(dir, 'data.bin'), Buffer.alloc(3 << 20, 7))
      const published = await net.nodes[0].publish(dir)
      const reader = net.nodes[3]
      await sha256Of(reader.content.read(published.host, 'data.bin', undefined))
      const credited = reader.internals.dht.table.get(net.nodes[0].identity.id)
      expect(credited?.contentProvided ?? 0).toBeGreaterThan(1 << 20)
    } finally {
      await net.close()
      rmSync(dir, { recursive: true, force: true })
    }
  })
})
