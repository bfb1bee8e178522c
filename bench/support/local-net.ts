import { createTestnet, type TornetConfig, type TornetNode } from '../../src/node/index.js'

/**
 * Real nodes on 127.0.0.1 for the benchmarks: the shipped test network
 * (src/node/testnet.ts) with links probing a 16,000-byte MTU on loopback,
 * as the demo does.
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
  return await createTestnet(size, { ...opts, probeMtu: opts.probeMtu ?? LOOPBACK_MTU })
}
