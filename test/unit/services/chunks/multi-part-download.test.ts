import { afterEach, describe, expect, it } from 'vitest'
import { describeChunk } from '../../../../src/node/services/chunks/chunk-format.js'
import { type ChunkNode, ChunkTestnet, fakeChunk } from './chunk-testnet.js'

/**
 * A blob's parts fetched one after another, as a reader streams a large file: the streams to
 * the providers are kept and reused from part to part, and the providers of one part are
 * asked first for the next (no lookup), falling back to a lookup when they lack a part.
 */
let nets: ChunkTestnet[] = []
afterEach(async () => {
  for (const n of nets) await n.close()
  nets = []
})

async function publishOn (node: ChunkNode, chunk: { id: Buffer, bytes: Buffer }): Promise<void> {
  await node.store.chunks.putLocal(chunk.id, chunk.bytes)
  expect((await node.service.publish([chunk.id])).announced).toBe(1)
}

describe('downloading the parts of one blob', () => {
  it('reuses the streams to its providers and skips the lookups the hint makes needless', async () => {
    const t = new ChunkTestnet({ nodes: 12, service: { cacheOnDemand: false, cacheDownloads: false } })
    nets.push(t)
    const [p1, p2, p3, downloader] = t.nodes
    const parts = Array.from({ length: 8 }, (_, i) => fakeChunk(100 + i, 200_000))
    for (const c of parts) for (const p of [p1, p2, p3]) await publishOn(p, c)

    const streams0 = t.network.stats.streams
    for (const c of parts) {
      const got = await downloader.service.source.get(c.id, { descriptor: describeChunk(c.bytes), group: 'blob-1' })
      expect(got.equals(c.bytes)).toBe(true)
    }
    const s = downloader.service.stats
    expect(s.downloads).toBe(8)
    expect(s.hintedDownloads).toBe(7) // all but the first
    expect(s.streamsReused).toBeGreaterThan(0)
    expect(t.network.stats.streams - streams0).toBeLessThanOrEqual(6)
  })

  it('looks up when the hinted providers lack the next part, and hints the new ones from then on', async () => {
    const t = new ChunkTestnet({ nodes: 12, service: { cacheOnDemand: false, cacheDownloads: false } })
    nets.push(t)
    const [p1, p2, p3, downloader] = t.nodes
    const first = fakeChunk(200, 100_000)
    const second = fakeChunk(201, 100_000)
    const third = fakeChunk(202, 100_000)
    await publishOn(p1, first)
    for (const c of [second, third]) { await publishOn(p2, c); await publishOn(p3, c) }

    const get = async (c: { id: Buffer, bytes: Buffer }): Promise<Buffer> =>
      await downloader.service.source.get(c.id, { descriptor: describeChunk(c.bytes), group: 'blob-2' })
    expect((await get(first)).equals(first.bytes)).toBe(true)
    expect((await get(second)).equals(second.bytes)).toBe(true) // p1 answers "not found": looked up
    expect(downloader.service.stats.hintedDownloads).toBe(0)
    expect((await get(third)).equals(third.bytes)).toBe(true)
    expect(downloader.service.stats.hintedDownloads).toBe(1)
    expect(downloader.service.bannedPeers.size).toBe(0) // lacking a part is no lie
  })
})
