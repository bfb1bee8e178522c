import { afterEach, describe, expect, it } from 'vitest'
import type { Contact } from '../../../../src/node/routing/contact.js'
import type { ChunkServiceOptions } from '../../../../src/node/services/chunks/chunk-service.js'
import { ChunkTestnet, corruptSlices, fakeChunk, interceptStreams } from './chunk-testnet.js'

let nets: ChunkTestnet[] = []
afterEach(async () => {
  for (const n of nets) await n.close()
  nets = []
})

describe('content credit', () => {
  it('credits a provider only with slice bytes that passed their hash check (junk earns nothing)', async () => {
    const credit = new Map<string, number>()
    const service = {
      cacheOnDemand: false,
      cacheDownloads: false,
      onVerifiedContent: (peer: Contact, bytes: number) => { credit.set(peer.id.toString('hex'), (credit.get(peer.id.toString('hex')) ?? 0) + bytes) }
    } as Partial<ChunkServiceOptions>
    const t = new ChunkTestnet({ nodes: 8, service })
    nets.push(t)
    const c = fakeChunk(61, 600_000)
    const [liar, honest, downloader] = t.byDistance(c.id).slice(-3)
    for (const p of [liar, honest]) {
      await p.store.chunks.putLocal(c.id, c.bytes)
      expect((await p.service.publish([c.id])).announced).toBe(1)
    }
    interceptStreams(liar, corruptSlices)
    expect((await downloader.service.source.get(c.id)).equals(c.bytes)).toBe(true)
    expect(downloader.service.stats.badSlices).toBeGreaterThanOrEqual(1)
    expect(credit.get(liar.id.toString('hex')) ?? 0).toBe(0)
    expect(credit.get(honest.id.toString('hex'))).toBe(c.bytes.length)
  })
})
