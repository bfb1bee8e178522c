import { createTestnet, type TestnetOptions, type TornetConfig, type TornetNode } from '../../src/node/index.js'
import { setDatagramBytes } from '../util.js'

/**
 * Real nodes on 127.0.0.1 for the benchmarks: the shipped test network
 * (src/node/testnet.ts). Their links use the datagram size a node started by
 * `tornet start` sends on an internet path (SHIPPED_DATAGRAM, no probing)
 * unless `probeMtu` asks for more; loopback carries LOOPBACK_MTU, which a
 * benchmark may report as an extra figure. Starting a net sets the size every
 * following figure carries (`datagram_bytes`, see util.emit).
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
  /** A node's identity (default: a fresh one). */
  identityFor?: TestnetOptions['identityFor']
}

export const LOOPBACK_MTU = 16_000
export const SHIPPED_DATAGRAM = 1200

export async function startLocalNet (size: number, opts: LocalNetOptions = {}): Promise<LocalNet> {
  const probeMtu = opts.probeMtu ?? SHIPPED_DATAGRAM
  setDatagramBytes(probeMtu)
  return await createTestnet(size, { ...opts, probeMtu })
}
