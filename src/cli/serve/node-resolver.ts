import { describeTarget, isReferenceHost, isTornetError, type TornetNode } from '../../node/index.js'
import { NamecoinResolver, validateNamecoinConfig } from '../../resolvers/namecoin/index.js'
import { ResolverChain } from '../../resolvers/resolver-chain.js'
import { TorNetResolver } from '../../resolvers/tor-net-resolver.js'

/** The resolver chain a node's gateway and CLI share: .tor-net through the node's name registry, .bit through Namecoin when configured. */
export function nodeResolver (node: TornetNode): ResolverChain {
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
  const bit = node.config.namecoin === undefined
    ? undefined
    : NamecoinResolver.fromConfig(validateNamecoinConfig(node.config.namecoin), { torNetResolver: torNet, isTornetReference: isReferenceHost })
  return new ResolverChain({ torNet, bit })
}
