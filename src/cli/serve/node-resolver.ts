import { describeTarget, isReferenceHost, isTornetError, type TornetNode } from '../../node/index.js'
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
    lookupName: async (name, signal) => {
      try {
        return describeTarget((await node.names.lookup(name, { signal })).target)
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
