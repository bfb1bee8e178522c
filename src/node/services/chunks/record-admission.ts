import { rankOf } from '../../identity/identity.js'
import type { Contact } from '../../routing/contact.js'
import { compareDistance } from '../../routing/distance.js'
import { isPublicAddress } from '../../routing/endpoint-scope.js'
import type { ProviderRecord } from './messages.js'
import { type RecordProblem, checkProviderRecord } from './provider-record.js'

/**
 * Which provider records a node takes in (ADD_PROVIDER, records offered
 * along a lookup path) and which ones it uses (records a lookup brings back).
 * A record is cheap to make, so what it costs is the provider's identity:
 *   - the provider's rank must reach `minRank` (a node below it could not
 *     even be talked to: the link refuses it);
 *   - its endpoint must be a public unicast address, unless the node runs
 *     on a private network (see endpoint-scope.ts);
 *   - ADD_PROVIDER carries the sender's own record only (relaying is what
 *     lookups do), and only for chunk ids this node is among the closest
 *     to: that is where lookups look, and the bound that stops one peer
 *     from filling the table with records for random ids.
 * The per-provider quota and the fair-share eviction are the table's
 * (provider-records.ts).
 */
export interface AdmissionPolicy {
  minRank: number
  allowPrivateEndpoints: boolean
  /** True when this node is among the nodes that should hold records for the id. */
  isNear: (chunkId: Buffer) => boolean
}

export type AdmissionProblem = RecordProblem | 'low-rank' | 'private-endpoint' | 'not-near' | 'not-sender'

/**
 * isNear as this node's own routing table sees it (no traffic): an id is near when this node
 * is closer to it than the `nearCount`-th closest contact it knows. Absent a table, every id is.
 */
export function nearByLocalTable (selfId: Buffer, nearCount: number, localClosest?: (key: Buffer, count: number) => Contact[]): (chunkId: Buffer) => boolean {
  return (id) => {
    const known = localClosest?.(id, nearCount)
    // Knowing fewer than nearCount nodes, this node cannot tell it is not among the closest.
    if (known === undefined || known.length < nearCount) return true
    return compareDistance(id, selfId, known[known.length - 1].id) < 0
  }
}

/** Undefined when a record may be used at `now` (for `chunkId` when given); else why not. */
export function checkUsableRecord (policy: Omit<AdmissionPolicy, 'isNear'>, r: ProviderRecord, now: number, chunkId?: Buffer): AdmissionProblem | undefined {
  if (!policy.allowPrivateEndpoints && !isPublicAddress(r.provider.endpoint.address)) return 'private-endpoint'
  // Cheap (one hash) next to the signature check that follows.
  if (rankOf(r.provider.publicKey, r.provider.nonce) < policy.minRank) return 'low-rank'
  return checkProviderRecord(r, now, chunkId)
}

/** Undefined when an ADD_PROVIDER from `from` may be kept; else why not. Cheap checks first. */
export function checkAnnouncedRecord (policy: AdmissionPolicy, r: ProviderRecord, from: Contact, now: number): AdmissionProblem | undefined {
  if (!r.provider.id.equals(from.id)) return 'not-sender'
  if (!policy.isNear(r.chunkId)) return 'not-near'
  return checkUsableRecord(policy, r, now)
}
