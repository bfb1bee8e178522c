import { MAX_HOPS, describeTarget, isReferenceHost, isTornetError, type TornetNode } from '../../node/index.js'
import { tunnelHopsFor } from '../../gateway/tunnel-hops.js'
import { NamecoinResolver, namecoinConfigWithDefaults, type NameSourceContext } from '../../resolvers/namecoin/index.js'
import { ResolverChain } from '../../resolvers/resolver-chain.js'
import { TorNetResolver } from '../../resolvers/tor-net-resolver.js'

/**
 * dataDir: where the Namecoin backend keeps its certificate pins, verified headers and refreshed
 * server list (without it they last for the process); verifier: proves ElectrumX answers (default
 * the SPV verifier); chainParams: the network it proves against (default mainnet); onHeaderProgress:
 * the header sync's progress, for a progress line.
 */
export type NodeResolverOptions = NameSourceContext

export interface NodeResolvers {
  chain: ResolverChain
  torNet: TorNetResolver
  namecoin: NamecoinResolver
}

/**
 * The resolvers a node's gateway and CLI share: .tor-net through the node's
 * name registry, .bit through Namecoin (config.json's "namecoin", by default
 * the shipped public ElectrumX servers, certificates pinned on first use).
 */
export function nodeResolvers (node: TornetNode, opts: NodeResolverOptions = {}): NodeResolvers {
  const torNet = new TorNetResolver({
    isReferenceHost,
    lookupName: async (name, signal, isolation = '') => {
      // A request read through a circuit (gateway.tunnelHops, tornet-hops-N) looks its name up through that circuit too.
      const hops = tunnelHopsFor(isolation, node.config.gateway.tunnelHops ?? 0, MAX_HOPS)
      try {
        const record = hops === 0 ? await node.names.lookup(name, { signal }) : await node.lookupNameAnonymously(name, hops, isolation, { signal })
        return describeTarget(record.target)
      } catch (err) {
        if (isTornetError(err, 'NAME_NOT_FOUND') || isTornetError(err, 'NAME_EXPIRED')) return undefined
        throw err
      }
    }
  })
  const namecoin = NamecoinResolver.fromConfig(namecoinConfigWithDefaults(node.config.namecoin),
    { torNetResolver: torNet, isTornetReference: isReferenceHost },
    opts)
  return { chain: new ResolverChain({ torNet, bit: namecoin }), torNet, namecoin }
}

export function nodeResolver (node: TornetNode, opts: NodeResolverOptions = {}): ResolverChain {
  return nodeResolvers(node, opts).chain
}
