import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { defaultConfig, type TornetConfig } from '../../src/node/config.js'
import { generateIdentity } from '../../src/node/identity/identity.js'
import { createNode, type TornetNode } from '../../src/node/node.js'

/**
 * A small Tornet network of real nodes on 127.0.0.1 (real UDP, real LMDB in
 * temporary directories), every node bootstrapped from the first. Used by
 * every integration test; `close()` stops the nodes and removes their data.
 */
export interface Testnet {
  nodes: TornetNode[]
  dirs: string[]
  close (): Promise<void>
}

export async function createTestnet (size: number, opts: { config?: Partial<TornetConfig>, bootstrap?: boolean, probeMtu?: number } = {}): Promise<Testnet> {
  const nodes: TornetNode[] = []
  const dirs: string[] = []
  const close = async (): Promise<void> => {
    await Promise.allSettled(nodes.map(async n => await n.stop()))
    for (const d of dirs) rmSync(d, { recursive: true, force: true })
  }
  try {
    for (let i = 0; i < size; i++) {
      const dir = mkdtempSync(join(tmpdir(), 'tornet-testnet-'))
      dirs.push(dir)
      const config: TornetConfig = { ...defaultConfig(), minRank: 0, ...opts.config, listen: { host: '127.0.0.1', port: 0 } }
      nodes.push(await createNode({ dataDir: dir, config, identity: generateIdentity(), link: opts.probeMtu === undefined ? undefined : { probeMtu: opts.probeMtu } }))
    }
    if (opts.bootstrap !== false && size > 1) {
      const seed = nodes[0].endpoint
      for (let i = 1; i < size; i++) await nodes[i].bootstrap([seed])
      // A second round lets early joiners learn about the late ones.
      await Promise.all(nodes.map(async n => await n.dht.refresh().catch(() => {})))
    }
    for (const n of nodes) n.start()
    return { nodes, dirs, close }
  } catch (err) {
    await close()
    throw err
  }
}
