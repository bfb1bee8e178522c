import { Dht, type DhtOptions } from '../dht.js'
import { MemoryNetwork, type MemoryNetworkOptions, type MemoryNode } from './memory-network.js'
import { VirtualClock } from './virtual-clock.js'
import { Prng } from './prng.js'
import { compareDistance } from '../distance.js'

/** N Dht instances on an in-memory network and a virtual clock; node 0 is the bootstrap node. */
export class DhtTestnet {
  readonly clock = new VirtualClock()
  readonly net: MemoryNetwork
  readonly prng: Prng
  readonly nodes: MemoryNode[] = []
  readonly dhts: Dht[] = []

  constructor (size: number, opts: Partial<MemoryNetworkOptions> = {}, private readonly dhtOptions: Partial<DhtOptions> = {}) {
    this.net = new MemoryNetwork(this.clock, opts)
    this.prng = new Prng((opts.seed ?? 1) + 1000)
    for (let i = 0; i < size; i++) this.add()
  }

  add (): { node: MemoryNode, dht: Dht } {
    const node = this.net.addNode()
    // The simulated nodes live at 10.x addresses: a private range, so the switch is on.
    const dht = new Dht(node.port, { clock: this.clock, randomBytes: n => this.prng.bytes(n), allowPrivateEndpoints: true, ...this.dhtOptions })
    node.handler = async (from, payload) => await dht.handleRequest(from, payload)
    this.nodes.push(node); this.dhts.push(dht)
    return { node, dht }
  }

  /** Everyone but node 0 joins through node 0's bare endpoint, `batch` at a time. */
  async joinAll (batch = 25): Promise<void> {
    for (let i = 1; i < this.dhts.length; i += batch) {
      const group = this.dhts.slice(i, i + batch)
      await this.clock.drive(Promise.all(group.map(async d => await d.bootstrap([this.nodes[0].contact.endpoint]))))
    }
  }

  /** Brute force: the n live node ids closest to target, excluding `except`. */
  truth (target: Buffer, n: number, except?: Buffer): string[] {
    return this.nodes.filter(x => x.alive && (except === undefined || !x.contact.id.equals(except)))
      .map(x => x.contact.id).sort((a, b) => compareDistance(target, a, b)).slice(0, n).map(id => id.toString('hex'))
  }
}
