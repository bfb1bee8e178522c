import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { createNode, defaultConfig, generateIdentity, type TornetConfig, type TornetNode } from '../../src/node/index.js'

/**
 * Real nodes on 127.0.0.1 for the benchmarks (real UDP, real LMDB in
 * temporary directories), every node bootstrapped from the first, as
 * test/helpers/testnet.ts does for the tests (dist/ compiles src and bench
 * only, so the few lines live here too). Links probe a 16,000-byte MTU on
 * loopback, as the demo does.
 */
export interface LocalNet {
  nodes: TornetNode[]
  close (): Promise<void>
}

export interface LocalNetOptions {
  config?: Partial<TornetConfig>
  /** Per-node config on top of `config` (e.g. a bigger cache for the nodes that fetch). */
  configFor?: (index: number) => Partial<TornetConfig>
  probeMtu?: number
  nameDifficulty?: number
}

export const LOOPBACK_MTU = 16_000

export async function startLocalNet (size: number, opts: LocalNetOptions = {}): Promise<LocalNet> {
  const nodes: TornetNode[] = []
  const dirs: string[] = []
  const close = async (): Promise<void> => {
    await Promise.allSettled(nodes.map(async n => await n.stop()))
    for (const d of dirs) rmSync(d, { recursive: true, force: true })
  }
  try {
    for (let i = 0; i < size; i++) {
      const dir = mkdtempSync(join(tmpdir(), 'tornet-bench-'))
      dirs.push(dir)
      const config: TornetConfig = {
        ...defaultConfig(),
        minRank: 0,
        ...opts.config,
        ...opts.configFor?.(i),
        listen: { host: '127.0.0.1', port: 0 }
      }
      nodes.push(await createNode({
        dataDir: dir,
        config,
        identity: generateIdentity(),
        link: { probeMtu: opts.probeMtu ?? LOOPBACK_MTU },
        nameDifficulty: opts.nameDifficulty
      }))
    }
    if (size > 1) {
      for (let i = 1; i < size; i++) await nodes[i].bootstrap([nodes[0].endpoint])
      // A second round lets early joiners learn about the late ones.
      await Promise.all(nodes.map(async n => await n.dht.refresh().catch(() => {})))
    }
    for (const n of nodes) n.start()
    return { nodes, close }
  } catch (err) {
    await close()
    throw err
  }
}
