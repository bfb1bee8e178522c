import { CountingMeter } from '../../src/node/accounting/traffic-meter.js'
import { generateIdentity, type Identity, identityFromKeys, rankOf } from '../../src/node/identity/identity.js'
import { createLink, type Link } from '../../src/node/link/link.js'
import type { LinkOptions } from '../../src/node/link/link-options.js'
import type { PeerAddress } from '../../src/node/link/types.js'
import { MemoryNetwork, type MemoryNetworkOptions } from '../../src/node/transport/memory.js'
import type { Transport } from '../../src/node/transport/transport.js'
import { createUdpTransport } from '../../src/node/transport/udp.js'

/**
 * Test networks of links: N nodes on the in-process memory network (fast,
 * deterministic faults) or on real UDP sockets, each with a counting meter.
 */
export interface TestNode {
  link: Link
  identity: Identity
  transport: Transport
  meter: CountingMeter
  /** The full contact (endpoint + key): requests to it take the 0-RTT path. */
  contact: PeerAddress
  /** Endpoint only: requests to it take the XX path. */
  endpointOnly: PeerAddress
}

export type NodeOptions = Partial<Omit<LinkOptions, 'transport'>>

/** An identity whose rank lies in [min, max] (mines the nonce; keep ranks low in tests). */
export function identityWithRank (min: number, max = 256): Identity {
  for (;;) {
    const base = generateIdentity()
    const nonce = Buffer.alloc(8)
    for (let i = 0; i < 1 << 16; i++) {
      nonce.writeUInt32LE(i, 0)
      const r = rankOf(base.publicKey, nonce)
      if (r >= min && r <= max) return identityFromKeys(base.secretKey, base.publicKey, Buffer.from(nonce))
    }
  }
}

export function makeNode (transport: Transport, opts: NodeOptions = {}): TestNode {
  const identity = opts.identity ?? generateIdentity()
  const meter = new CountingMeter()
  const link = createLink({ meter, ...opts, identity, transport })
  return {
    link,
    identity,
    transport,
    meter,
    contact: { endpoint: transport.local, publicKey: identity.publicKey },
    endpointOnly: { endpoint: transport.local }
  }
}

export interface Testnet {
  nodes: TestNode[]
  network?: MemoryNetwork
  add: (opts?: NodeOptions) => Promise<TestNode>
  close: () => Promise<void>
}

export function memoryTestnet (n: number, opts: { network?: MemoryNetworkOptions, node?: NodeOptions } = {}): Testnet & { network: MemoryNetwork } {
  const network = new MemoryNetwork(opts.network)
  const nodes: TestNode[] = []
  const add = async (o: NodeOptions = {}): Promise<TestNode> => {
    const node = makeNode(network.createTransport(), { ...opts.node, ...o })
    nodes.push(node)
    return node
  }
  for (let i = 0; i < n; i++) nodes.push(makeNode(network.createTransport(), opts.node))
  return { nodes, network, add, close: async () => { await closeAll(nodes) } }
}

export async function udpTestnet (n: number, opts: { host?: string, node?: NodeOptions } = {}): Promise<Testnet> {
  const host = opts.host ?? '127.0.0.1'
  const nodes: TestNode[] = []
  const add = async (o: NodeOptions = {}): Promise<TestNode> => {
    const node = makeNode(await createUdpTransport({ host, port: 0 }), { ...opts.node, ...o })
    nodes.push(node)
    return node
  }
  for (let i = 0; i < n; i++) await add()
  return { nodes, add, close: async () => { await closeAll(nodes) } }
}

async function closeAll (nodes: TestNode[]): Promise<void> {
  for (const n of nodes) await n.link.close()
  for (const n of nodes) await n.transport.close()
}
