import type { Contact } from '../../routing/contact.js'
import { compareDistance } from '../../routing/distance.js'
import { tryDecode } from '../../wire/codec.js'
import type { ReadOptions, ReadResult } from './parallel-find.js'

/** Requests a read may send, per replica slot: a bound whatever the lookups hear of. */
export const MAX_ASKS_PER_SLOT = 3

/** The abort reason of requests and lookups still open when a read has its answer. */
export const READ_SETTLED = 'read settled'

/**
 * A read that answers as soon as its winner can no longer change.
 *
 * The read gathers votes (verified answers) from: this node's own copy,
 * FIND_VALUE's answer, and `readCount` replica slots. A slot is filled by the
 * first record an asked replica returns; a replica with no record, a broken
 * one or no answer within its time-out frees the slot for the next nearest
 * candidate (the hedge). Candidates are, nearest the location first, the
 * nodes this node already knows there, then those the closest-nodes lookup
 * hears of while it runs, then its result: replicas are asked while the
 * lookup still converges, instead of after it (what made a read cost a whole
 * lookup plus a round trip).
 *
 * It ends as soon as the kind's `settled` rule says the votes still possible
 * (open slots, FIND_VALUE if it has not answered) could not change the winner
 * — for names, the leading owner is out of any rival's reach, so the early
 * answer is the answer waiting would give — or when nothing is left to ask.
 * Each request's time-out is the network's adaptive one (measured RTTs),
 * never above `timeoutMs`: a lost datagram costs a few RTTs and another ask.
 *
 * One voter, one vote: FIND_VALUE's holder is not asked again, and a replica
 * that answered both ways counts once. At most MAX_ASKS_PER_SLOT × readCount
 * requests per read. Nothing here throws but an abort.
 */
export async function readEarly<Held, Key, Code, Answer> (
  o: ReadOptions<Held, Key, Code, Answer>,
  settled: (answers: readonly Answer[], pending: number) => boolean
): Promise<ReadResult<Answer>> {
  const { network, kind, location } = o
  o.signal?.throwIfAborted()
  const self = network.self.id
  const maxAsks = Math.max(0, o.readCount) * MAX_ASKS_PER_SLOT
  const payload = kind.requests.encode({ type: 'get', key: o.key })
  const ctl = new AbortController()

  const answers: Answer[] = []
  const asked: Array<{ peer: Contact, answer: Answer | undefined }> = []
  const seen = new Set<string>() // asked, or FIND_VALUE's holder
  const voters = new Set<string>()
  let candidates: Contact[] = []
  let records = 0
  let pendingGets = 0
  let asks = 0
  let findPending = true
  let closestDone = false
  let done = false
  let endRead!: () => void
  const ended = new Promise<void>(resolve => { endRead = resolve })

  const finish = (): void => {
    if (done) return
    done = true
    ctl.abort(READ_SETTLED)
    endRead()
  }
  const onAbort = (): void => { finish() }
  o.signal?.addEventListener('abort', onAbort, { once: true })

  const check = (encoded: Buffer | undefined): Answer | undefined => {
    if (encoded === undefined) return undefined
    try { return o.verify(encoded) } catch { return undefined }
  }

  const offer = (contacts: readonly Contact[]): void => {
    if (done) return
    for (const c of contacts) {
      if (c.id.length !== self.length || c.id.equals(self)) continue
      const id = c.id.toString('hex')
      if (seen.has(id) || candidates.some(x => x.id.equals(c.id))) continue
      let i = candidates.length
      while (i > 0 && compareDistance(location, c.id, candidates[i - 1].id) < 0) i--
      candidates.splice(i, 0, c)
    }
    // Only the nearest few can ever be asked: the list stays bounded whatever a lookup hears.
    if (candidates.length > maxAsks) candidates = candidates.slice(0, maxAsks)
    pump()
  }

  const ask = (peer: Contact): void => {
    const id = peer.id.toString('hex')
    seen.add(id)
    asks++
    pendingGets++
    const entry: { peer: Contact, answer: Answer | undefined } = { peer, answer: undefined }
    asked.push(entry)
    const adaptive = network.requestTimeoutMs?.(peer)
    const timeoutMs = adaptive !== undefined && adaptive > 0 ? Math.min(o.timeoutMs, adaptive) : o.timeoutMs
    network.request(peer, kind.service, payload, { signal: ctl.signal, timeoutMs })
      .then(reply => tryDecode(kind.getReplies.decode, reply), () => undefined)
      .then(encoded => {
        pendingGets--
        if (done) return
        const answer = check(encoded)
        entry.answer = answer
        if (answer !== undefined && records < o.readCount && !voters.has(id)) {
          voters.add(id)
          answers.push(answer)
          records++
        }
        pump()
      }, () => undefined)
  }

  function pump (): void {
    if (done) return
    const pending = Math.max(0, o.readCount - records) + (findPending ? 1 : 0)
    if (pending === 0 || settled(answers, pending)) { finish(); return }
    while (records + pendingGets < o.readCount && asks < maxAsks && candidates.length > 0) ask(candidates.shift() as Contact)
    if (pendingGets === 0 && !findPending && closestDone && (candidates.length === 0 || asks >= maxAsks)) finish()
  }

  const local = o.local()
  if (local !== undefined) answers.push(local)

  network.findValue(location, kind.valueKind, { signal: ctl.signal }).catch(() => undefined).then(found => {
    findPending = false
    if (done) return
    if (found !== undefined && !found.from.id.equals(self)) {
      const id = found.from.id.toString('hex')
      seen.add(id)
      candidates = candidates.filter(c => !c.id.equals(found.from.id))
      const answer = check(found.value)
      if (answer !== undefined && !voters.has(id)) {
        voters.add(id)
        answers.push(answer)
      }
    }
    pump()
  }, () => undefined)

  network.closest(location, { signal: ctl.signal, onContacts: offer }).catch(() => [] as Contact[]).then(contacts => {
    closestDone = true
    offer(contacts)
    pump()
  }, () => undefined)

  offer(network.nearest?.(location, o.readCount) ?? [])
  pump()

  await ended
  o.signal?.removeEventListener('abort', onAbort)
  o.signal?.throwIfAborted()
  return { winner: kind.winner(answers), answers, asked }
}
