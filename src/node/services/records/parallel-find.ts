import type { Contact } from '../../routing/contact.js'
import { tryDecode } from '../../wire/codec.js'
import type { FoundValue, ServiceNetwork } from '../service-network.js'
import type { RecordKind } from './record-kind.js'

export interface FindAnswers {
  /** What FIND_VALUE brought back (validated by the kind's provider), if anything. */
  found: FoundValue | undefined
  /** The closest replicas asked directly, each with the encoded record it returned (undefined: none, or no answer). */
  asked: Array<{ peer: Contact, record: Buffer | undefined }>
}

export interface FindOptions<Held, Key, Code> {
  network: Pick<ServiceNetwork, 'closest' | 'findValue' | 'request'>
  kind: RecordKind<Held, Key, Code>
  location: Buffer
  key: Key
  /** Replicas asked directly, besides FIND_VALUE. */
  readCount: number
  timeoutMs: number
  signal?: AbortSignal
}

/**
 * A read of one location: FIND_VALUE and, in parallel, a GET to each of the
 * `readCount` closest replicas, so that one stale or lying replica cannot
 * decide alone. Every answer is handed back; which one wins is the kind's
 * rule (newest record, majority owner). Nothing here throws but an abort.
 */
export async function findInParallel<Held, Key, Code> (o: FindOptions<Held, Key, Code>): Promise<FindAnswers> {
  const { network, kind, location, signal } = o
  const ask = async (peer: Contact): Promise<Buffer | undefined> => {
    try {
      const reply = await network.request(peer, kind.service, kind.requests.encode({ type: 'get', key: o.key }), { signal, timeoutMs: o.timeoutMs })
      return tryDecode(kind.getReplies.decode, reply)
    } catch {
      return undefined
    }
  }
  const [found, asked] = await Promise.all([
    network.findValue(location, kind.valueKind, { signal }).catch(() => undefined),
    (async () => {
      const contacts = (await network.closest(location, { signal }).catch(() => [])).slice(0, o.readCount)
      return await Promise.all(contacts.map(async peer => ({ peer, record: await ask(peer) })))
    })()
  ])
  signal?.throwIfAborted()
  return { found, asked }
}
