import { createHash } from 'node:crypto'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { ContentLibrary } from '../../../../src/node/services/content/content-library.js'
import { MemoryLocationIndex } from '../../../../src/node/services/content/location-index.js'
import { CHUNK_SERVICE } from '../../../../src/node/services/chunks/messages.js'
import { AnonymousContent, AnonymousReaders } from '../../../../src/node/services/tunnels/anonymous-content.js'
import { createNetworkExit } from '../../../../src/node/services/tunnels/network-exit.js'
import { MemoryExit } from '../../../helpers/memory-circuits.js'
import { ChunkTestnet } from '../chunks/chunk-testnet.js'

/**
 * Content published on one node of a memory network, read by another through
 * a circuit's exit (the memory exit double): byte-exact, the provider sees the
 * exit, and the reader neither caches nor announces what it read.
 */
describe('AnonymousContent', { timeout: 30_000 }, () => {
  let net: ChunkTestnet
  let host: string
  const files = new Map<string, Buffer>()
  const providerSaw = new Set<string>()

  beforeAll(async () => {
    net = new ChunkTestnet({ nodes: 12 })
    const publisher = net.nodes[0]
    const library = new ContentLibrary({
      source: publisher.service.source,
      crypto: net.crypto,
      sink: { put: async (id, cipher) => { await publisher.store.chunks.putLocal(id, cipher) } },
      index: new MemoryLocationIndex()
    })
    files.set('index.html', Buffer.from('<h1>anonymous</h1>'))
    const big = Buffer.alloc(3 * 1024 * 1024 + 17)
    for (let i = 0; i + 4 <= big.length; i += 4) big.writeUInt32LE((i * 2654435761) >>> 0, i)
    files.set('big.bin', big)
    const published = await library.publish([...files].map(([path, body]) => ({ path, kind: 'file' as const, size: body.length, open: async function * () { yield body } })))
    await publisher.service.publish(published.chunkIds)
    host = published.host
    // Who the publisher hears from, on requests and on slice streams.
    const handler = publisher.net.services.get(CHUNK_SERVICE)!
    const onRequest = handler.onRequest!.bind(handler)
    const onStream = handler.onStream!.bind(handler)
    publisher.net.services.set(CHUNK_SERVICE, {
      onRequest: async (payload, ctx) => { providerSaw.add(ctx.from.id.toString('hex')); return await onRequest(payload, ctx) },
      onStream: (stream, ctx) => { providerSaw.add(ctx.from.id.toString('hex')); onStream(stream, ctx) }
    })
  })
  afterAll(async () => { await net?.close() })

  it('reads byte-exact through the exit; the provider sees the exit only; nothing is cached or announced', async () => {
    const reader = net.nodes[11]
    const exitNode = net.nodes[5]
    const memory = new MemoryExit(net.nodes[4].net.self)
    createNetworkExit({ tunnels: memory, network: exitNode.net, allowPrivateEndpoints: true })
    const circuit = memory.circuit({ isolation: 'a' })
    const anon = new AnonymousContent({
      self: reader.net.self,
      identity: reader.net.identity,
      store: reader.store.chunks,
      crypto: net.crypto,
      circuit: async () => circuit,
      allowPrivateEndpoints: true,
      now: net.clock.now
    })
    const before = net.network.stats.requests + net.network.stats.valueQueries + net.network.stats.streams
    try {
      expect(await anon.stat(host, 'big.bin')).toMatchObject({ kind: 'file', size: files.get('big.bin')!.length })
      const names: string[] = []
      for await (const e of anon.list(host, '')) names.push(e.name)
      expect(names.sort()).toEqual(['big.bin', 'index.html'])
      for (const [path, body] of files) {
        const h = createHash('sha256')
        for await (const part of anon.read(host, path, undefined)) h.update(part)
        expect(h.digest('hex'), path).toBe(createHash('sha256').update(body).digest('hex'))
      }
      const range: Buffer[] = []
      for await (const part of anon.read(host, 'big.bin', { start: 1_000_000, end: 1_000_099 })) range.push(Buffer.from(part))
      expect(Buffer.concat(range)).toEqual(files.get('big.bin')!.subarray(1_000_000, 1_000_100))
    } finally { await anon.stop() }
    expect(net.network.stats.requests + net.network.stats.valueQueries + net.network.stats.streams).toBeGreaterThan(before)
    expect(circuit.requests + circuit.streamsOpened).toBeGreaterThan(0)
    expect([...providerSaw]).toEqual([exitNode.id.toString('hex')])
    expect(reader.store.chunks.ids().length).toBe(0)
    expect(anon.chunks.records.size).toBe(0)
  })

  it('keeps one reader per (hops, isolation) and stops the least recently used beyond its bound', async () => {
    const made: string[] = []
    const stopped: string[] = []
    const readers = new AnonymousReaders((hops, isolation) => {
      made.push(`${hops}/${isolation}`)
      return { stop: async () => { stopped.push(`${hops}/${isolation}`) } } as unknown as AnonymousContent
    }, 2)
    const a = readers.get(3, 'alice')
    expect(readers.get(3, 'alice')).toBe(a)
    readers.get(3, 'bob')
    readers.get(3, 'alice')
    readers.get(1, 'alice')
    expect(made).toEqual(['3/alice', '3/bob', '1/alice'])
    expect(stopped).toEqual(['3/bob'])
    await readers.stop()
    expect(stopped.sort()).toEqual(['1/alice', '3/alice', '3/bob'])
  })
})
