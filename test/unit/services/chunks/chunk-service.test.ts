import { afterEach, describe, expect, it, vi } from 'vitest'
import { isTornetError } from '../../../../src/node/errors.js'
import { describeChunk } from '../../../../src/node/services/chunks/chunk-format.js'
import type { ChunkProgress } from '../../../../src/node/services/chunks/download/download-options.js'
import { ChunkErrorCode } from '../../../../src/node/services/chunks/errors.js'
import { CHUNK_SERVICE, ChunkMessageType, decodeChunkMessage, encodeChunkMessage, encodeProviderList } from '../../../../src/node/services/chunks/messages.js'
import { type ChunkNode, ChunkTestnet, corruptSlices, fakeChunk, identityOfRank, interceptStreams } from './chunk-testnet.js'

/** Waits for background work (pulls, offers, records) that a loaded CI machine may slow down. */
const WAIT = { timeout: 10_000 }

let nets: ChunkTestnet[] = []
afterEach(async () => {
  for (const n of nets) await n.close()
  nets = []
})

function testnet (opts: ConstructorParameters<typeof ChunkTestnet>[0]): ChunkTestnet {
  const t = new ChunkTestnet(opts)
  nets.push(t)
  return t
}

async function publishOn (node: ChunkNode, chunk: { id: Buffer, bytes: Buffer }): Promise<void> {
  await node.store.chunks.putLocal(chunk.id, chunk.bytes)
  const r = await node.service.publish([chunk.id])
  expect(r.announced).toBe(1)
}

async function rejection (p: Promise<unknown>): Promise<unknown> {
  return await p.then(() => { throw new Error('expected a rejection') }, (e: unknown) => e)
}

/**
 * Providers and downloaders taken from the far end of the id space, so the node that answers
 * the lookup (one of the nearest) is not itself a provider and lists providers in the order
 * they announced.
 */
function farNodes (t: ChunkTestnet, id: Buffer, n: number): ChunkNode[] {
  return t.byDistance(id).slice(-n)
}

describe('chunk exchange on an in-memory network', () => {
  it('publishes on one node and gets the chunk byte-exact on another, which then serves it too', async () => {
    const t = testnet({ nodes: 12, service: { cacheOnDemand: false } })
    for (const [seed, size] of [[1, 1024 * 1024], [2, 200_000], [3, 8]] as const) {
      const c = fakeChunk(seed, size)
      const [publisher, downloader, third] = farNodes(t, c.id, 3)
      await publishOn(publisher, c)
      const progress: ChunkProgress[] = []
      const got = await downloader.service.source.get(c.id, { onProgress: (p) => progress.push(p) })
      expect(got.equals(c.bytes)).toBe(true)
      expect(progress.at(-1)).toMatchObject({ phase: 'done', bytes: size, total: size })
      // The downloader cached it and announced itself: a third node can now get it from either.
      expect(downloader.store.chunks.has(c.id)).toBe(true)
      await vi.waitFor(() => { expect(t.byDistance(c.id)[0].service.records.get(c.id, t.clock.now()).length).toBe(2) }, WAIT)
      expect((await third.service.source.get(c.id)).equals(c.bytes)).toBe(true)
    }
    // A chunk held locally is answered without the network.
    const c = fakeChunk(1, 1024 * 1024)
    const holder = t.nodes.find(n => n.store.chunks.has(c.id)) as ChunkNode
    const before = t.network.stats.streams
    expect((await holder.service.source.get(c.id)).equals(c.bytes)).toBe(true)
    expect(t.network.stats.streams).toBe(before)
    expect(holder.service.stats.localHits).toBe(1)
  })

  it('takes slices of one chunk from several providers at once', async () => {
    const t = testnet({ nodes: 12, service: { cacheOnDemand: false } })
    const c = fakeChunk(10)
    const [p1, p2, p3, downloader] = farNodes(t, c.id, 4)
    for (const p of [p1, p2, p3]) await publishOn(p, c)
    const got = await downloader.service.source.get(c.id, { descriptor: describeChunk(c.bytes) })
    expect(got.equals(c.bytes)).toBe(true)
    const served = [p1, p2, p3].map(p => p.service.stats.slicesServed)
    expect(served.reduce((a, b) => a + b, 0)).toBe(16)
    expect(served.filter(n => n > 0).length).toBeGreaterThanOrEqual(2)
  })

  it('detects a corrupt slice from a lying provider, bans it and fetches the slice elsewhere', async () => {
    const t = testnet({ nodes: 12, service: { cacheOnDemand: false } })
    const c = fakeChunk(20)
    const [liar, h1, h2, d1, d2] = farNodes(t, c.id, 5)
    for (const p of [liar, h1, h2]) await publishOn(p, c)
    interceptStreams(liar, corruptSlices)

    // With the descriptor from the caller (a file header), the bad slice is caught on arrival.
    const got = await d1.service.source.get(c.id, { descriptor: describeChunk(c.bytes) })
    expect(got.equals(c.bytes)).toBe(true)
    expect(d1.service.bannedPeers.has(liar.id)).toBe(true)
    expect(d1.service.bannedPeers.has(h1.id) || d1.service.bannedPeers.has(h2.id)).toBe(false)
    expect(d1.service.stats.badSlices).toBeGreaterThanOrEqual(1)

    // Without one, the descriptor comes from a peer; the final id check settles who lied.
    expect((await d2.service.source.get(c.id)).equals(c.bytes)).toBe(true)
    expect(d2.service.bannedPeers.has(liar.id)).toBe(true)
    expect(d2.service.bannedPeers.list().map(b => b.id.toString('hex'))).toEqual([liar.id.toString('hex')])

    // A banned peer is not asked again.
    const c2 = fakeChunk(21)
    for (const p of [liar, h1, h2]) await publishOn(p, c2)
    const streams = liar.service.stats.streamsServed
    expect((await d1.service.source.get(c2.id, { descriptor: describeChunk(c2.bytes) })).equals(c2.bytes)).toBe(true)
    expect(liar.service.stats.streamsServed).toBe(streams)
  })

  it('bans a provider whose descriptor lies and gets the chunk with another', async () => {
    // A provider asked for a descriptor before the liar has given its own holds its answer back
    // until this request times out, so the liar's is the first descriptor the downloader gets.
    // (The three providers cost the same, so the order they are asked in is the order the lookup
    // found their records in, which a loaded machine changes: announcing the liar first was not
    // enough.)
    const t = testnet({ nodes: 12, service: { cacheOnDemand: false, requestTimeoutMs: 1500 } })
    const c = fakeChunk(30)
    const [liar, h1, h2, downloader] = farNodes(t, c.id, 4)
    for (const p of [liar, h1, h2]) await publishOn(p, c)
    let liarAnswered!: () => void
    const lied = new Promise<void>(resolve => { liarAnswered = resolve })
    t.network.setFault(liar.net, {
      onRequest: async (_req, real) => {
        const reply = Buffer.from(await real())
        if (reply[0] === ChunkMessageType.descriptor) { reply[1 + 32 + 4 + 32 * 5] ^= 1; liarAnswered() } // slice 5's hash
        return reply
      }
    })
    for (const honest of [h1, h2]) {
      t.network.setFault(honest.net, {
        onRequest: async (req, real) => {
          if (req.service === CHUNK_SERVICE && req.payload[0] === ChunkMessageType.getDescriptor) await lied
          return await real()
        }
      })
    }
    const got = await downloader.service.source.get(c.id)
    expect(got.equals(c.bytes)).toBe(true)
    expect(downloader.service.bannedPeers.list().map(b => b.id.toString('hex'))).toEqual([liar.id.toString('hex')])
    expect(downloader.service.stats.descriptorLies).toBe(1)
  })

  it('bypasses a dead provider and a stalled one', async () => {
    const t = testnet({ nodes: 12, service: { cacheOnDemand: false, sliceTimeoutMs: 300 } })
    const c = fakeChunk(40)
    const [dead, stalled, honest, downloader] = farNodes(t, c.id, 4)
    for (const p of [dead, stalled, honest]) await publishOn(p, c)
    t.network.setFault(dead.net, { down: true })
    interceptStreams(stalled, () => undefined) // takes requests, never answers
    const got = await downloader.service.source.get(c.id, { descriptor: describeChunk(c.bytes) })
    expect(got.equals(c.bytes)).toBe(true)
    const s = downloader.service.stats
    expect(s.unreachablePeers).toBe(1)
    expect(s.slowPeers).toBe(1)
    expect(downloader.service.bannedPeers.size).toBe(0) // slow is not lying
    expect(honest.service.stats.slicesServed).toBe(16)
  })

  it('fails with UNAVAILABLE when no provider delivers, and with the caller\'s bad descriptor', async () => {
    const t = testnet({ nodes: 10, service: { cacheOnDemand: false, sliceTimeoutMs: 200 } })
    const c = fakeChunk(45, 300_000)
    const [p, downloader] = farNodes(t, c.id, 2)
    await publishOn(p, c)
    const wrong = describeChunk(c.bytes)
    wrong.slices = wrong.slices.map(() => Buffer.alloc(32))
    const err = await rejection(downloader.service.source.get(c.id, { descriptor: wrong }))
    expect(isTornetError(err, ChunkErrorCode.UNAVAILABLE)).toBe(true)
    const other = describeChunk(fakeChunk(46).bytes)
    expect(isTornetError(await rejection(downloader.service.source.get(c.id, { descriptor: other })), ChunkErrorCode.BAD_DESCRIPTOR)).toBe(true)
  })

  it('skips forged provider lists in lookups, and caches genuine ones along the path', async () => {
    const t = testnet({ nodes: 12, service: { cacheOnDemand: false } })
    const c = fakeChunk(47, 100_000)
    const [publisher, downloader] = farNodes(t, c.id, 2)
    await publishOn(publisher, c)
    const [nearest, second] = t.byDistance(c.id)
    // The nearest node answers FIND_VALUE with a list whose record is signed for another endpoint.
    const genuine = nearest.service.records.get(c.id, t.clock.now())[0]
    const forged = { ...genuine, provider: { ...genuine.provider, endpoint: { address: '192.0.2.7', port: 7 } } }
    t.network.setFault(nearest.net, { onValue: () => encodeProviderList([forged]) })
    // The second nearest forgets its records, so the lookup passes it before finding a value.
    second.service.records.prune(Number.MAX_SAFE_INTEGER)
    expect((await downloader.service.source.get(c.id)).equals(c.bytes)).toBe(true)
    expect(t.network.stats.rejectedValues).toBeGreaterThanOrEqual(1)
    // The node on the path that lacked the value was offered it and kept the genuine record.
    await vi.waitFor(() => {
      expect(second.service.records.get(c.id, t.clock.now()).some(r => r.provider.id.equals(publisher.id))).toBe(true)
    }, WAIT)
  })

  it('answers requests for missing chunks with an incrementing not-found count', async () => {
    const t = testnet({ nodes: 10, service: { cacheOnDemand: false } })
    const [a, b] = t.nodes
    const missing = fakeChunk(50).id
    const ask = async (): Promise<number> => {
      const m = decodeChunkMessage(await a.net.request(b.net.self, CHUNK_SERVICE, encodeChunkMessage({ type: 'getDescriptor', chunkId: missing })))
      expect(m.type).toBe('notFound')
      return m.type === 'notFound' ? m.count : -1
    }
    expect(await ask()).toBe(1)
    expect(await ask()).toBe(2)
    expect(await ask()).toBe(3)

    // A download of a chunk nobody has reports the count the nearest nodes gave.
    const ghost = fakeChunk(51).id
    const e1 = await rejection(a.service.source.get(ghost))
    expect(isTornetError(e1, ChunkErrorCode.NOT_FOUND)).toBe(true)
    const e2 = await rejection(a.service.source.get(ghost))
    expect((e2 as { notFound: number }).notFound).toBe((e1 as { notFound: number }).notFound + 1)
    expect((e1 as { notFound: number }).notFound).toBe(1)
  })

  it('lets provider records expire, and republishes them', async () => {
    const t = testnet({ nodes: 10, service: { cacheOnDemand: false, providerTtlMs: 60_000 } })
    const c = fakeChunk(60, 100_000)
    const [publisher] = farNodes(t, c.id, 1)
    const nearest = t.byDistance(c.id)[0]
    await publishOn(publisher, c)
    const getProviders = async (): Promise<string> => {
      const m = decodeChunkMessage(await publisher.net.request(nearest.net.self, CHUNK_SERVICE, encodeChunkMessage({ type: 'getProviders', chunkId: c.id })))
      return m.type
    }
    expect(await getProviders()).toBe('providers')
    t.clock.advance(60_000)
    expect(await getProviders()).toBe('notFound')
    expect(nearest.service.records.get(c.id, t.clock.now())).toEqual([])

    // A republish round announces everything the publisher holds, with a fresh expiry.
    const r = await publisher.service.republish()
    expect(r).toEqual({ announced: 1, failed: 0 })
    expect(await getProviders()).toBe('providers')
    expect(nearest.service.records.get(c.id, t.clock.now())[0].expiresAt).toBe(t.clock.now() + 60_000)
  })

  it('republishes on a timer', async () => {
    const t = testnet({ nodes: 8, service: { cacheOnDemand: false, providerTtlMs: 60_000, republishIntervalMs: 50 } })
    const c = fakeChunk(61, 100_000)
    const [publisher] = farNodes(t, c.id, 1)
    const nearest = t.byDistance(c.id)[0]
    await publisher.store.chunks.putLocal(c.id, c.bytes) // stored but never published by hand
    await vi.waitFor(() => { expect(nearest.service.records.has(c.id, t.clock.now())).toBe(true) }, WAIT)
    expect(publisher.service.stats.republishRuns).toBeGreaterThanOrEqual(1)
  })

  it('survives malformed requests and streams', async () => {
    const t = testnet({ nodes: 8, service: { cacheOnDemand: false } })
    const c = fakeChunk(70, 200_000)
    const [p, d] = farNodes(t, c.id, 2)
    await publishOn(p, c)
    const garbage = [
      Buffer.alloc(0), Buffer.from([0xff]), Buffer.from([ChunkMessageType.getDescriptor, 1, 2]),
      Buffer.from([ChunkMessageType.providers, 0]), Buffer.from([ChunkMessageType.added, 1]), // a reply sent as a request
      encodeChunkMessage({ type: 'addProvider', record: p.service.records.get(c.id, t.clock.now())[0] }).subarray(0, 50)
    ]
    for (let i = 0; i < 50; i++) garbage.push(Buffer.from(Array.from({ length: (i * 37) % 300 }, (_, j) => (i * 31 + j * 7) & 0xff)))
    for (const g of garbage) {
      const reply = decodeChunkMessage(await d.net.request(p.net.self, CHUNK_SERVICE, g))
      expect(reply.type === 'error' || reply.type === 'notFound' || reply.type === 'providers' || reply.type === 'cacheAck' || reply.type === 'added').toBe(true)
    }
    expect(p.service.stats.malformedRequests).toBeGreaterThanOrEqual(6)

    // Forged and expired records are refused.
    const rec = p.service.records.get(c.id, t.clock.now())[0]
    const forged = { ...rec, provider: { ...rec.provider, endpoint: { address: '192.0.2.99', port: 9 } } }
    const answer = decodeChunkMessage(await d.net.request(t.byDistance(c.id)[0].net.self, CHUNK_SERVICE, encodeChunkMessage({ type: 'addProvider', record: forged })))
    expect(answer).toEqual({ type: 'added', accepted: false })

    // Streams: an impossible frame length, an unknown frame, a frame cut off, a flood of requests.
    const bad = [
      Buffer.from([0xff, 0xff, 0xff, 0x7f]),
      Buffer.from([1, 0, 0, 0, 0x42]),
      Buffer.from([3, 0, 0, 0, 0x11, 0, 0]), // a SLICE sent to the server
      Buffer.concat(Array.from({ length: 100 }, () => Buffer.from([35, 0, 0, 0, 0x10, ...c.id, 0, 1])))
    ]
    for (const [i, b] of bad.entries()) {
      const s = await d.net.openStream(p.net.self, CHUNK_SERVICE)
      s.on('error', () => {})
      s.resume()
      s.write(b)
      // (the memory network's stream pair does not carry a destroy across: watch the server)
      await vi.waitFor(() => { expect(p.service.stats.malformedStreams).toBe(i + 1) }, WAIT)
      s.destroy()
    }
    // The node still serves.
    expect((await d.service.source.get(c.id)).equals(c.bytes)).toBe(true)
  })

  it('caches a chunk several peers ask about (cache on demand)', async () => {
    // Every peer has standing here (see cache-admission.test.ts for who does not).
    const t = testnet({ nodes: 10, service: { cacheOnDemand: { threshold: 3, standingRank: 0 } } })
    const c = fakeChunk(80, 300_000)
    const [publisher, ...askers] = farNodes(t, c.id, 4)
    await publishOn(publisher, c)
    const nearest = t.byDistance(c.id)[0]
    const ask = async (asker: ChunkNode): Promise<void> => {
      await asker.net.request(nearest.net.self, CHUNK_SERVICE, encodeChunkMessage({ type: 'getProviders', chunkId: c.id }))
    }
    await ask(askers[0])
    await ask(askers[1])
    await ask(askers[1]) // a second ask of the same peer is no more demand
    expect(nearest.store.chunks.has(c.id)).toBe(false)
    await ask(askers[2])
    await vi.waitFor(() => { expect(nearest.store.chunks.has(c.id)).toBe(true) }, WAIT)
    expect(nearest.service.stats.cachedOnDemand).toBe(1)
    expect(nearest.store.chunks.usage().cacheBytes).toBe(300_000)
  })

  it('a publisher checks availability and asks nodes of lower rank to pull what is scarce', async () => {
    // Node 0 outranks all others; it publishes a chunk it is the farthest node from.
    const t = testnet({ nodes: 10, identity: i => identityOfRank(i === 0 ? 8 : 1), service: { cacheOnDemand: { threshold: 100 } } })
    let c = fakeChunk(90, 100_000)
    for (let seed = 91; farNodes(t, c.id, 1)[0] !== t.nodes[0]; seed++) c = fakeChunk(seed, 100_000)
    const [publisher] = farNodes(t, c.id, 1)
    await publishOn(publisher, c)
    const [a] = await publisher.service.checkAvailability([c.id], { target: 3 })
    expect(a).toMatchObject({ providers: 1, announced: true, pushed: 2 })
    await vi.waitFor(() => { expect(t.nodes.filter(n => n.store.chunks.has(c.id)).length).toBe(3) }, WAIT)
    await vi.waitFor(async () => {
      const [b] = await publisher.service.checkAvailability([c.id], { target: 3 })
      expect(b).toMatchObject({ providers: 3, announced: false, pushed: 0 })
    }, WAIT)
  })

  it('a publisher asks no node of its own rank or above to pull (only lower ranks take cache requests)', async () => {
    const t = testnet({ nodes: 8, identity: i => identityOfRank(i < 4 ? 3 : 5), service: { cacheOnDemand: { threshold: 100 } } })
    const c = fakeChunk(120, 50_000)
    const publisher = t.nodes[0]
    await publishOn(publisher, c)
    const [a] = await publisher.service.checkAvailability([c.id], { target: 3 })
    expect(a.pushed).toBe(0)
    expect(publisher.service.stats.cacheRequestsSent).toBe(0)
    // Nodes 1-3 share its rank and 4-7 outrank it: nobody is asked, nobody pulls.
    expect(t.nodes.filter(n => n !== publisher && n.store.chunks.has(c.id))).toHaveLength(0)
  })

  it('stops cleanly: running downloads abort, later calls refuse', async () => {
    const t = testnet({ nodes: 8, service: { cacheOnDemand: false } })
    const c = fakeChunk(100)
    const [p, d] = farNodes(t, c.id, 2)
    await publishOn(p, c)
    const ctl = new AbortController()
    ctl.abort()
    await expect(d.service.source.get(c.id, { signal: ctl.signal })).rejects.toBeDefined()
    const running = d.service.source.get(c.id)
    await d.service.stop()
    expect(isTornetError(await rejection(running), ChunkErrorCode.STOPPED)).toBe(true)
    expect(isTornetError(await rejection(d.service.source.get(c.id)), ChunkErrorCode.STOPPED)).toBe(true)
    // A stopped node refuses to serve.
    await p.service.stop()
    const reply = decodeChunkMessage(await d.net.request(p.net.self, CHUNK_SERVICE, encodeChunkMessage({ type: 'getDescriptor', chunkId: c.id })))
    expect(reply).toEqual({ type: 'error', reason: 2 })
  })

  it('a restarted node still serves what it stored', async () => {
    const t = testnet({ nodes: 8, service: { cacheOnDemand: false } })
    const c = fakeChunk(110, 500_000)
    const [p, d] = farNodes(t, c.id, 2)
    await publishOn(p, c)
    await p.service.stop()
    await p.store.close()
    // A restarted process comes with a fresh network object: nothing registered yet.
    p.net.services.clear()
    p.net.providers.clear()
    const { openStore } = await import('../../../../src/node/store/environment.js')
    p.store = openStore(p.dir, { onWarning: () => {}, now: t.clock.now })
    p.service = t.makeService(p.net, p.store)
    p.service.start()
    expect((await d.service.source.get(c.id)).equals(c.bytes)).toBe(true)
    expect(p.service.stats.slicesServed).toBe(8)
  })

  it('does not announce while its endpoint is unspecified (bound to 0.0.0.0)', async () => {
    const t = testnet({ nodes: 6, service: { cacheOnDemand: false } })
    const c = fakeChunk(120, 64)
    const [n] = farNodes(t, c.id, 1)
    const saved = n.net.self.endpoint
    n.net.self.endpoint = { address: '0.0.0.0', port: 9151 }
    await n.store.chunks.putLocal(c.id, c.bytes)
    expect(await n.service.publish([c.id])).toEqual({ announced: 0, failed: 1 })
    expect(n.service.stats.recordsSent).toBe(0)
    n.net.self.endpoint = saved
    expect(await n.service.publish([c.id])).toEqual({ announced: 1, failed: 0 })
  })

  it('refuses to start with an endpoint no record can carry', () => {
    const t = testnet({ nodes: 2 })
    const n = t.nodes[0]
    const saved = n.net.self.endpoint
    n.net.self.endpoint = { address: 'memory', port: 1 }
    const s = t.makeService(n.net, n.store)
    let err: unknown
    try { s.start() } catch (e) { err = e }
    expect(isTornetError(err, ChunkErrorCode.INVALID_ARGUMENT)).toBe(true)
    n.net.self.endpoint = saved
  })
})
