import type { Contact } from '../../routing/contact.js'
import { compareDistance } from '../../routing/distance.js'
import type { ServiceNetwork } from '../service-network.js'
import type { RecordHolder, RecordKind } from './record-kind.js'

export interface Refusal<Code> { peer: Contact, code: Code }

export interface FanOutResult<Code> {
  /** Replicas (this node included, when it is one) that hold the record now. */
  accepted: number
  refused: Array<Refusal<Code>>
  /** The other nodes that accepted it. */
  acceptedBy: Contact[]
  /** Replicas that did not answer or answered nonsense. */
  unreachable: number
}

export interface FanOut<Held, Key, Code> {
  kind: RecordKind<Held, Key, Code>
  holder: RecordHolder<Held, Key, Code>
  network: Pick<ServiceNetwork, 'self' | 'closest' | 'request'>
  timeoutMs: number
}

/**
 * Sends a record to the k nodes closest to its location, in parallel, and
 * keeps it here too when this node is nearer than the farthest of them (the
 * owner's own copy skips the replica-span check: it picked the replicas).
 */
export async function storeOnClosest<Held, Key, Code> (f: FanOut<Held, Key, Code>, location: Buffer, held: Held, encoded: Buffer,
  signal?: AbortSignal): Promise<FanOutResult<Code>> {
  const contacts = await f.network.closest(location, { signal })
  const payload = f.kind.requests.encode({ type: 'store', record: encoded })
  const result: FanOutResult<Code> = { accepted: 0, refused: [], unreachable: 0, acceptedBy: [] }
  if (selfIsReplica(f.network.self.id, location, contacts)) {
    const verdict = f.holder.offer(held)
    if (verdict.accepted) result.accepted++
    else result.refused.push({ peer: f.network.self, code: verdict.code })
  }
  await Promise.all(contacts.map(async (peer) => {
    try {
      const reply = f.kind.storeReplies.decode(await f.network.request(peer, f.kind.service, payload, { signal, timeoutMs: f.timeoutMs }))
      if (reply.accepted) { result.accepted++; result.acceptedBy.push(peer) } else result.refused.push({ peer, code: reply.code })
    } catch {
      result.unreachable++
    }
  }))
  return result
}

/** True when `self` belongs among the replicas of `location`, given the closest others (nearest first). */
export function selfIsReplica (self: Buffer, location: Buffer, others: Contact[]): boolean {
  if (others.length === 0) return true
  return compareDistance(location, self, others[others.length - 1].id) < 0
}
