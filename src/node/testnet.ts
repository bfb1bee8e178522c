import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { defaultConfig, type TornetConfig } from './config.js'
import { generateIdentity, type Identity } from './identity/identity.js'
import type { BitcoinPayments } from './accounting/bitcoin/payments-api.js'
import { createNode, type NodeTimers, type TornetNode } from './node.js'

/**
 * A small Tornet network of real nodes on 127.0.0.1 (real UDP, real LMDB in
 * temporary directories), every node bootstrapped from the first, shipped
 * with the code for the integration tests, the benchmarks and anyone
 * embedding Tornet. `close()` stops the nodes and removes their data.
 */
export interface Testnet {
  nodes: TornetNode[]
  dirs: string[]
  close (): Promise<void>
}

export interface TestnetOptions {
  config?: Partial<TornetConfig>
  /** Per-node config on top of `config`. */
  configFor?: (index: number) => Partial<TornetConfig>
  /** Larger datagrams the links may probe for (loopback carries 16,000 easily). */
  probeMtu?: number
  nameDifficulty?: number
  /** Join the nodes to each other (default true). */
  bootstrap?: boolean
  /** A node's identity (default: a fresh one, of whatever rank it happens to have). */
  identityFor?: (index: number) => Identity | undefined
  /** A node's Bitcoin side for its credit lines (tests pass a fake one). */
  paymentsFor?: (index: number) => BitcoinPayments | undefined
  /** Every node's periodic work at these intervals (node.ts NodeTimers). */
  timers?: NodeTimers
}

export async function createTestnet (size: number, opts: TestnetOptions = {}): Promise<Testnet> {
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
      // Every node is on 127.0.0.1: loopback contacts from peers must be followed.
      // Credit lines 1,000 times the default: test identities have rank 0 to 2, and the tests and
      // benchmarks move hundreds of MB; a test of credit lines sets `credit` itself.
      const config: TornetConfig = { ...defaultConfig(), minRank: 0, allowPrivateEndpoints: true, credit: { factor: 1000 }, ...opts.config, ...opts.configFor?.(i), listen: { host: '127.0.0.1', port: 0 } }
      nodes.push(await createNode({
        dataDir: dir,
        config,
        identity: opts.identityFor?.(i) ?? generateIdentity(),
        payments: opts.paymentsFor?.(i),
        link: opts.probeMtu === undefined ? undefined : { probeMtu: opts.probeMtu },
        nameDifficulty: opts.nameDifficulty,
        timers: opts.timers
      }))
    }
    if (opts.bootstrap !== false && size > 1) {
      const seed = nodes[0].endpoint
      for (let i = 1; i < size; i++) await nodes[i].bootstrap([seed])
      // A second round lets early joiners learn about the late ones.
      await Promise.all(nodes.map(async n => await n.refreshRouting().catch(() => {})))
    }
    for (const n of nodes) n.start()
    return { nodes, dirs, close }
  } catch (err) {
    await close()
    throw err
  }
}
