import { createHash } from 'node:crypto'
import { parseArgs } from 'node:util'
import { createTestnet } from '../src/node/testnet.js'
import type { TornetNode } from '../src/node/node.js'
import { median, MiB, round } from './support/stats.js'
import { emit, progress } from './util.js'

/**
 * Anonymous fetching and delegated lookups (issue 17) on real loopback UDP, every node in this
 * process. A file of --mib (8) MiB published on one node is read by three other fresh nodes
 * (none holds a chunk of it before; the publisher is the only provider each time), so each read
 * pays the same lookups and transfers:
 *
 *   anonymous.read_3hop_vs_direct   MB/s of a read through a 3-hop circuit (node.anonymousContent)
 *                                   ÷ MB/s of a direct read (node.content), same run
 *   anonymous.read_1hop_vs_direct   the same through 1 hop
 *   anonymous.closest_ms_p50        a closest-nodes lookup run at a 3-hop circuit's exit (median of
 *                                   --lookups (20) random keys); `direct_ms` beside it: the node's own lookup
 *   anonymous.delegate_ms_p50       a lookup through a 1-hop delegate circuit (lookupVia, circuit built each time)
 *
 * All nodes share this process's CPU: a circuit's relays and both ends run on it.
 *
 *   npm run bench -- anonymous [--nodes 16] [--mib 8] [--lookups 20]
 */
export const summary = 'anonymous fetching: reads through 3 and 1 hops vs direct, lookups at an exit and at a delegate'

async function readAll (it: AsyncIterable<Uint8Array>): Promise<{ bytes: number, hash: string }> {
  const h = createHash('sha256')
  let bytes = 0
  for await (const part of it) { h.update(part); bytes += part.length }
  return { bytes, hash: h.digest('hex') }
}

export async function run (args: string[]): Promise<void> {
  const { values } = parseArgs({ args, options: { nodes: { type: 'string', default: '16' }, mib: { type: 'string', default: '8' }, lookups: { type: 'string', default: '20' } } })
  const size = Math.round(Number(values.mib) * MiB)
  progress(`anonymous: starting ${values.nodes} nodes on 127.0.0.1…`)
  const net = await createTestnet(Number(values.nodes), { probeMtu: 16_000 })
  try {
    const body = Buffer.alloc(size)
    for (let i = 0; i + 4 <= size; i += 4) body.writeUInt32LE(Math.imul(i, 2654435761) >>> 0, i)
    const want = createHash('sha256').update(body).digest('hex')
    const { host } = await net.nodes[0].publish([{ path: 'file.bin', kind: 'file', size, open: async function * () { yield body } }])

    const timed = async (label: string, node: TornetNode, read: () => AsyncIterable<Uint8Array>): Promise<number> => {
      progress(`anonymous: ${values.mib} MiB ${label}…`)
      const t0 = performance.now()
      const got = await readAll(read())
      const ms = performance.now() - t0
      if (got.bytes !== size || got.hash !== want) throw new Error(`anonymous bench: the ${label} read differs from the file`)
      if (node.chunkIds().length > 0 && label !== 'directly') throw new Error('anonymous bench: an anonymous read left chunks in the store')
      return size / 1e6 / (ms / 1000)
    }
    const last = net.nodes.length - 1
    // Anonymous reads first: they leave no copy behind, so every read finds the publisher as the
    // only provider (the direct read caches and announces, so it goes last).
    const three = await timed('through 3 hops', net.nodes[last - 1], () => net.nodes[last - 1].anonymousContent(3, 'bench').read(host, 'file.bin', undefined))
    const one = await timed('through 1 hop', net.nodes[last - 2], () => net.nodes[last - 2].anonymousContent(1, 'bench').read(host, 'file.bin', undefined))
    const direct = await timed('directly', net.nodes[last], () => net.nodes[last].content.read(host, 'file.bin', undefined))
    emit('anonymous.read_3hop_vs_direct', round(three / direct, 3), 'ratio', { hop3_MBps: round(three), direct_MBps: round(direct), bytes: size })
    emit('anonymous.read_1hop_vs_direct', round(one / direct, 3), 'ratio', { hop1_MBps: round(one), direct_MBps: round(direct), bytes: size })

    progress(`anonymous: ${values.lookups} lookups at an exit, directly, and at a delegate…`)
    const asker = net.nodes[last - 3]
    const delegate = net.nodes[1]
    const via = `${delegate.identity.publicKey.toString('hex')}@${delegate.endpoint.address}:${delegate.endpoint.port}`
    const remote = asker.anonymousContent(3, 'lookups').network
    const atExit: number[] = []
    const own: number[] = []
    const delegated: number[] = []
    for (let i = 0; i < Number(values.lookups); i++) {
      const key = createHash('sha256').update(`key ${i}`).digest()
      let t = performance.now()
      await remote.closest(key)
      atExit.push(performance.now() - t)
      t = performance.now()
      await asker.findNode(key)
      own.push(performance.now() - t)
      t = performance.now()
      await asker.lookupVia(key, via)
      delegated.push(performance.now() - t)
    }
    emit('anonymous.closest_ms_p50', round(median(atExit)), 'ms', { direct_ms: round(median(own)), lookups: atExit.length })
    emit('anonymous.delegate_ms_p50', round(median(delegated)), 'ms', { direct_ms: round(median(own)), lookups: delegated.length })
  } finally {
    await net.close()
  }
}
