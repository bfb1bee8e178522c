import { compareDistance } from '../../routing/distance.js'
import type { ServiceNetwork } from '../service-network.js'

/**
 * Whether this node may hold a record for `key` that a peer sends it: only if
 * it is one of the key's replicas, i.e. fewer than `span` nodes it knows are
 * closer to the key than itself. The owner stores on the k closest it found
 * (k = 20); `span` is larger (30 by default: a 50 % margin) because the
 * owner's lookup and this node's table never agree exactly while nodes join
 * and leave. Without this rule any peer could park records on any node.
 *
 * A network that cannot tell (no `nearest`: some test networks) takes the store.
 */
export const DEFAULT_REPLICA_SPAN = 30

export function isNearReplica (network: Pick<ServiceNetwork, 'self' | 'nearest'>, key: Buffer, span: number): boolean {
  if (network.nearest === undefined) return true
  const known = network.nearest(key, span)
  if (known.length < span) return true
  return compareDistance(key, network.self.id, known[known.length - 1].id) < 0
}
