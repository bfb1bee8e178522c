import { randomBytes } from 'node:crypto'
import { afterEach, describe, expect, it } from 'vitest'
import { CHUNK_SERVICE, decodeChunkMessage, encodeChunkMessage } from '../../../../src/node/services/chunks/messages.js'
import { type ChunkNode, ChunkTestnet, fakeChunk, identityOfRank } from './chunk-testnet.js'

let nets: ChunkTestnet[] = []
afterEach(async () => {
  for (const n of nets) await n.close()
  nets = []
})

async function cacheRequest (from: ChunkNode, to: ChunkNode, chunkId: Buffer): Promise<boolean> {
  const m = decodeChunkMessage(await from.net.request(to.net.self, CHUNK_SERVICE, encodeChunkMessage({ type: 'cacheRequest', chunkId })))
  return m.type === 'cacheAck' && m.accepted
}

async function getProviders (from: ChunkNode, to: ChunkNode, chunkId: Buffer): Promise<void> {
  await from.net.request(to.net.self, CHUNK_SERVICE, encodeChunkMessage({ type: 'getProviders', chunkId }))
}

/** Random ids for which `node` is among the `n` closest nodes of the testnet (or not, with near = false). */
function idsWhere (t: ChunkTestnet, node: ChunkNode, n: number, count: number, near = true): Buffer[] {
  const out: Buffer[] = []
  while (out.length < count) {
    const id = randomBytes(32)
    if (t.byDistance(id).slice(0, n).includes(node) === near) out.push(id)
  }
  return out
}

describe('cache requests', () => {
  it('are refused from a peer of lower or equal rank, for a chunk far from this node, and beyond the per-peer budget', async () => {
    // Node 0 (rank 4) is asked; node 1 outranks it, node 3 equals it, node 2 is below it.
    const ranks = [4, 8, 2, 4]
    const t = new ChunkTestnet({ nodes: 8, identity: i => i < ranks.length ? identityOfRank(ranks[i]) : undefined, service: { nearCount: 3, cacheOnDemand: { maxConcurrent: 100 } } })
    nets.push(t)
    const [target, high, low, peer] = t.nodes
    const [near, ...more] = idsWhere(t, target, 3, 18)
    const [far] = idsWhere(t, target, 3, 1, false)
    expect(await cacheRequest(low, target, near)).toBe(false)
    // "Your identity is greater than the server's": an equal rank is refused too.
    expect(await cacheRequest(peer, target, near)).toBe(false)
    expect(await cacheRequest(high, target, far)).toBe(false)
    // 16 accepted pulls per peer per hour, then no more until the budget refills.
    const answers = []
    for (const id of [near, ...more.slice(0, 16)]) answers.push(await cacheRequest(high, target, id))
    expect(answers.filter(a => a)).toHaveLength(16)
    expect(answers[16]).toBe(false)
    t.clock.advance(60 * 60_000)
    expect(await cacheRequest(high, target, more[15])).toBe(true)
    expect(target.service.stats.cacheRequestsRefused).toBe(4)
  })
})

describe('cache on demand', () => {
  it('counts each asking peer once, and only peers with standing', async () => {
    // Nodes 1-3 have standing (rank 6); nodes 4-7 do not (rank 0).
    const t = new ChunkTestnet({
      nodes: 10,
      identity: i => i >= 1 && i <= 3 ? identityOfRank(6) : i >= 4 && i <= 7 ? identityOfRank(0) : undefined,
      service: { cacheOnDemand: { threshold: 3, standingRank: 6 } }
    })
    nets.push(t)
    const target = t.nodes[0]
    let c = fakeChunk(70, 100_000)
    for (let seed = 71; t.byDistance(c.id)[0] !== target || t.byDistance(c.id).slice(-1)[0] === target; seed++) c = fakeChunk(seed, 100_000)
    const publisher = t.nodes[9]
    await publisher.store.chunks.putLocal(c.id, c.bytes)
    await publisher.service.publish([c.id])
    const [a1, a2, a3] = t.nodes.slice(1, 4)
    for (let i = 0; i < 100; i++) await getProviders(a1, target, c.id)
    for (const lowPeer of t.nodes.slice(4, 8)) await getProviders(lowPeer, target, c.id)
    expect(target.service.stats.demandPulls).toBe(0)
    expect(target.store.chunks.has(c.id)).toBe(false)
    await getProviders(a2, target, c.id)
    expect(target.service.stats.demandPulls).toBe(0)
    await getProviders(a3, target, c.id)
    expect(target.service.stats.demandPulls).toBe(1)
  })
})
