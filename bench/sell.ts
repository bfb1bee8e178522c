import { randomBytes } from 'node:crypto'
import { parseArgs } from 'node:util'
import { generateIdentity, type Identity } from '../src/node/identity/identity.js'
import type { TornetNode } from '../src/node/node.js'
import { createTestnet } from '../src/node/testnet.js'
import { emit, progress } from './util.js'

/**
 * What a node sells and what publishing costs (issue 19 item 7), on real UDP (127.0.0.1):
 *
 *  - sell.paced_rate_vs_sold: a client downloads --mib MiB from a node selling --sold bytes a
 *    second (config sell.bandwidth); the rate it gets ÷ the rate sold (≤ 1 when pacing holds).
 *    Baseline in the same run: the same download from a node selling without a limit
 *    (sell.unpaced_bytes_per_s).
 *  - sell.host_check_ms_per_chunk: one check of the hosts of --chunks published chunks (two
 *    hosts each, HAS_CHUNK each), per chunk. Baseline: one iterative lookup on the same network (sell.lookup_ms).
 *
 *   npm run bench -- sell [--mib 8] [--sold 2000000] [--chunks 50]
 */
export const summary = 'bandwidth sold (pacing) and the publisher\'s host checks, on real UDP'

function identityOfRank (rank: number, below = false): Identity {
  for (;;) { const id = generateIdentity(); if (below ? id.rank < rank : id.rank >= rank) return id }
}

async function publish (node: TornetNode, bytes: Buffer): Promise<Buffer[]> {
  const r = await node.content.publish([{ path: 'data.bin', kind: 'file', size: bytes.length, open: async function * () { yield bytes } }])
  await node.chunks.publish(r.chunkIds)
  await node.chunks.hosts.track(r.chunkIds, r.host)
  return r.chunkIds
}

async function fetchAll (client: TornetNode, ids: Buffer[]): Promise<number> {
  const t0 = performance.now()
  await Promise.all(ids.map(async (id) => await client.chunks.source.get(id)))
  return (performance.now() - t0) / 1000
}

export async function run (argv: string[]): Promise<void> {
  const { values } = parseArgs({ args: argv, options: { mib: { type: 'string' }, sold: { type: 'string' }, chunks: { type: 'string' } }, strict: true })
  const mib = Number(values.mib ?? 8)
  const sold = Number(values.sold ?? 2_000_000)
  const chunks = Number(values.chunks ?? 50)
  const publisherIdentity = identityOfRank(5)
  const net = await createTestnet(4, {
    probeMtu: 16_000,
    identityFor: (i) => i === 0 ? publisherIdentity : identityOfRank(5, true),
    configFor: (i) => i === 1 ? { sell: { bandwidth: sold } } : i === 0 ? { publish: { replicas: 2 } } : {}
  })
  try {
    const [unpaced, paced, client] = net.nodes
    progress(`publishing ${mib} MiB on each server`)
    const pacedIds = await publish(paced, randomBytes(mib << 20))
    const freeIds = await publish(unpaced, randomBytes(mib << 20))
    const freeS = await fetchAll(client, freeIds)
    const bytes = mib << 20
    emit('sell.unpaced_bytes_per_s', Math.round(bytes / freeS), 'B/s')
    progress(`paced download at ${sold} B/s sold`)
    const pacedS = await fetchAll(client, pacedIds)
    emit('sell.paced_bytes_per_s', Math.round(bytes / pacedS), 'B/s', { sold })
    emit('sell.paced_rate_vs_sold', Number((bytes / pacedS / sold).toFixed(3)), 'ratio', { sold })

    // Host checks: chunks published by the rank-5 node, two hosts each after the first check.
    const publisher = unpaced
    const ids: Buffer[] = []
    for (let i = 0; i < chunks; i++) ids.push(...await publish(publisher, randomBytes(20_000)))
    await publisher.checkPublished() // asks for copies
    await new Promise(resolve => setTimeout(resolve, 3000)) // the pulls
    const t0 = performance.now()
    const r = await publisher.checkPublished()
    const ms = performance.now() - t0
    emit('sell.host_check_ms_per_chunk', Number((ms / r.chunks).toFixed(2)), 'ms', { chunks: r.chunks, host_answers: r.hostsAlive })
    const p0 = performance.now()
    await publisher.findNode(randomBytes(32))
    emit('sell.lookup_ms', Number((performance.now() - p0).toFixed(2)), 'ms')
  } finally {
    await net.close()
  }
}
