import { generateIdentity, type Identity } from '../../src/node/identity/identity.js'
import type { MemoryNetworkOptions } from '../../src/node/routing/simulator/memory-network.js'
import { createNamesService, type NamesService } from '../../src/node/services/names/names-service.js'
import { SimDhtNetwork, type SimNode } from './sim-service-network.js'

/**
 * The real names service on N simulated Dht nodes (sim-service-network.ts):
 * what a name lookup costs in time on a wide-area network of N nodes.
 * Registration times come from a fixed epoch plus the virtual clock.
 */
export { SimServiceNetwork } from './sim-service-network.js'

export interface SimNamesNode extends SimNode {
  names: NamesService
  /** The key its names service signs with (owner of what it registers). */
  identity: Identity
}

export interface SimNamesOptions extends Partial<MemoryNetworkOptions> {
  /** Leading zero bits every registration needs here (does not change lookups). Default 0. */
  difficulty?: number
}

export class SimNamesNetwork extends SimDhtNetwork<{ names: NamesService, identity: Identity }> {
  declare readonly nodes: SimNamesNode[]

  constructor (size: number, opts: SimNamesOptions = {}) {
    // Each names service has a key of its own (the owner of what it registers); the simulated
    // node ids stay the network's pseudo-identities.
    super(size, (node, sim) => {
      const identity = generateIdentity()
      const names = createNamesService({
        network: node.network,
        identity,
        now: () => sim.now(),
        difficulty: opts.difficulty ?? 0,
        maintenanceIntervalMs: 0
      })
      names.start()
      return { names, identity }
    }, opts)
  }
}
