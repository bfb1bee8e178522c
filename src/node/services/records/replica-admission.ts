import type { Contact } from '../../routing/contact.js'
import type { ServiceNetwork } from '../service-network.js'
import { storeSourceOf } from './peer-quota.js'
import type { RecordHolder, RecordKind, Verdict } from './record-kind.js'
import { isNearReplica } from './replica-span.js'

export interface Admission<Held, Key, Code> {
  kind: RecordKind<Held, Key, Code>
  holder: RecordHolder<Held, Key, Code>
  network: Pick<ServiceNetwork, 'self' | 'nearest'>
  replicaSpan: number
  /** A peer's STORE put a record at a location this node did not hold (what storage is charged for). */
  onStored?: (held: Held, from: Contact, bytes: number) => void
}

/**
 * A record a peer wants this node to hold (a STORE, a read-repair copy, a
 * lookup's cache offer): taken only for a location this node is a replica of
 * (or already holds), and within the sender's quota. The owner's own store
 * skips this: it chose the replicas itself (see fan-out-store.ts).
 */
export function offerFromPeer<Held, Key, Code> (a: Admission<Held, Key, Code>, held: Held, from: Contact): Verdict<Code> {
  const location = a.kind.locationOf(held)
  if (location === undefined) return { accepted: false, code: a.kind.malformed }
  if (!a.holder.holds(held) && !isNearReplica(a.network, location, a.replicaSpan)) {
    return { accepted: false, code: a.kind.notReplica }
  }
  return a.holder.offer(held, storeSourceOf(from))
}
