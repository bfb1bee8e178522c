import { mkdirSync, readdirSync, statSync } from 'node:fs'
import { join } from 'node:path'
import {
  createNode, defaultConfig, hasIdentityFile, isTornetError, loadIdentity, mineIdentity, saveIdentity,
  type TornetConfig, type TornetNode
} from '../../node/index.js'
import { packageRoot } from './package-root.js'
import { serveGateway, type ServedGateway } from './serve-gateway.js'

/**
 * What `npm start` runs: a handful of real nodes on 127.0.0.1 (each with its
 * own identity, LMDB store and UDP socket, in this process), the first one
 * serving the gateway, and the sample site published by another node and
 * registered as welcome.tor-net. Data lives in <dataDir>/demo and is reused
 * on the next start.
 */
export interface DemoOptions {
  dataDir: string
  nodes?: number
  gatewayPort?: number
  rank?: number
  nameDifficulty?: number
  onStep?: (message: string) => void
  signal?: AbortSignal
}

export interface DemoNetwork {
  nodes: TornetNode[]
  served: ServedGateway
  siteUrl: string
  nameUrl: string
  close (): Promise<void>
}

export const DEMO_NAME = 'welcome'

export async function startDemoNetwork (opts: DemoOptions): Promise<DemoNetwork> {
  const count = Math.max(2, opts.nodes ?? 5)
  const rank = opts.rank ?? 8
  const step = opts.onStep ?? (() => {})
  const nodes: TornetNode[] = []
  let served: ServedGateway | undefined
  const close = async (): Promise<void> => {
    await served?.close()
    await Promise.allSettled(nodes.map(async n => await n.stop()))
  }
  try {
    for (let i = 0; i < count; i++) {
      const dir = join(opts.dataDir, 'demo', `node${i}`)
      mkdirSync(dir, { recursive: true, mode: 0o700 })
      if (!hasIdentityFile(dir)) {
        step(`mining a rank-${rank} identity for demo node ${i}`)
        saveIdentity(dir, await mineIdentity({ rank, signal: opts.signal }))
      }
      const config: TornetConfig = {
        ...defaultConfig(),
        listen: { host: '127.0.0.1', port: 0 },
        minRank: rank,
        // The demo network lives on 127.0.0.1.
        allowPrivateEndpoints: true,
        gateway: { host: '127.0.0.1', port: opts.gatewayPort ?? 9150, passThrough: false },
        names: { difficulty: opts.nameDifficulty ?? 16 },
        storage: { cacheBytes: 256 * 1024 * 1024 }
      }
      nodes.push(await createNode({ dataDir: dir, config, identity: loadIdentity(dir), link: { probeMtu: 16_000 } }))
    }
    step(`${count} nodes listening on ${nodes.map(n => `127.0.0.1:${n.endpoint.port}`).join(', ')}`)
    for (let i = 1; i < count; i++) await nodes[i].bootstrap([nodes[0].endpoint])
    await nodes[0].bootstrap([nodes[1].endpoint])
    for (const n of nodes) n.start()

    // The gateway first, so a port clash is reported before any slow work.
    served = await serveGateway(nodes[0])
    const publisher = nodes[1]
    step('publishing the sample site from demo node 1')
    const site = await publisher.publish(join(packageRoot(), 'sample', 'welcome'), { signal: opts.signal })
    step(`registering ${DEMO_NAME}.tor-net (proof of work at difficulty ${opts.nameDifficulty ?? 16})`)
    await registerOnce(publisher, site.host, opts.signal)
    const size = treeSize(join(packageRoot(), 'sample', 'welcome'))
    await served.published.add({ reference: site.host, url: site.url, name: DEMO_NAME, nameUrl: `http://${DEMO_NAME}.tor-net/`, title: 'Welcome to Tornet (sample site, published by demo node 1)', files: size.files, bytes: size.bytes, publishedAt: Date.now() })
    return { nodes, served, siteUrl: site.url, nameUrl: `http://${DEMO_NAME}.tor-net/`, close }
  } catch (err) {
    await close()
    throw err
  }
}

function treeSize (dir: string): { files: number, bytes: number } {
  let files = 0
  let bytes = 0
  for (const e of readdirSync(dir, { withFileTypes: true, recursive: true })) {
    if (!e.isFile()) continue
    files++
    bytes += statSync(join(e.parentPath, e.name)).size
  }
  return { files, bytes }
}

async function registerOnce (node: TornetNode, reference: string, signal?: AbortSignal): Promise<void> {
  try {
    const current = await node.names.lookup(DEMO_NAME, { signal })
    if (current.owner.equals(node.identity.publicKey)) return
  } catch (err) {
    if (!isTornetError(err, 'NAME_NOT_FOUND') && !isTornetError(err, 'NAME_EXPIRED')) throw err
  }
  const { parseReference } = await import('../../node/index.js')
  const ref = parseReference(reference)
  await node.names.register(DEMO_NAME, { kind: 'content', value: Buffer.concat([ref.id, ref.key]) }, { signal })
}
