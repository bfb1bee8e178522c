import type { Contact } from '../../routing/contact.js'
import { tryDecode } from '../../wire/codec.js'
import type { FoundValue, ServiceNetwork } from '../service-network.js'
import { readEarly } from './early-read.js'
import type { ReadableKind, RecordKind } from './record-kind.js'

export interface FindAnswers {
  /** What FIND_VALUE brought back (validated by the kind's provider), if anything. */
  found: FoundValue | undefined
  /** The closest replicas asked directly, each with the encoded record it returned (undefined: none, or no answer). */
  asked: Array<{ peer: Contact, record: Buffer | undefined }>
}

export interface FindOptions<Held, Key, Code> {
  network: Pick<ServiceNetwork, 'self' | 'closest' | 'findValue' | 'request'> & Partial<Pick<ServiceNetwork, 'nearest' | 'requestTimeoutMs'>>
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

export interface ReadOptions<Held, Key, Code, Answer> extends FindOptions<Held, Key, Code> {
  kind: ReadableKind<Held, Key, Code, Answer>
  /** This node's own copy, counted first; read once the answers are in (the find may have cached one here). */
  local: () => Answer | undefined
  /** An answer from the network checked for this read (decodes, is for the key, passes every rule); undefined drops it. */
  verify: (encoded: Buffer) => Answer | undefined
}

export interface ReadResult<Answer> {
  /** What the kind's winner rule picked of `answers`. */
  winner: Answer | undefined
  /** Every verified answer, in the order the winner rule saw them. */
  answers: Answer[]
  /** The asked replicas, each with its verified answer (undefined: none, no answer, or unusable): whom read repair may serve. */
  asked: Array<{ peer: Contact, answer: Answer | undefined }>
}

/**
 * A read settled by the kind's winner rule. A kind with a `settled` rule
 * (names) is read by early-read.ts: it answers once the votes still possible
 * could not change the winner, so never on one fast replica alone. A kind
 * without (kv: a newer record may come from any replica) awaits every answer.
 * FIND_VALUE's answer is left out when it came from this node: that is
 * `local`, already counted.
 */
export async function readWinner<Held, Key, Code, Answer> (o: ReadOptions<Held, Key, Code, Answer>): Promise<ReadResult<Answer>> {
  if (o.kind.settled !== undefined) return await readEarly(o, o.kind.settled)
  const { found, asked } = await findInParallel(o)
  const check = (encoded: Buffer | undefined): Answer | undefined => encoded === undefined ? undefined : o.verify(encoded)
  const fromSelf = found !== undefined && found.from.id.equals(o.network.self.id)
  const checked = asked.map(a => ({ peer: a.peer, answer: check(a.record) }))
  const answers = [o.local(), fromSelf ? undefined : check(found?.value), ...checked.map(a => a.answer)]
    .filter((a): a is Answer => a !== undefined)
  return { winner: o.kind.winner(answers), answers, asked: checked }
}
