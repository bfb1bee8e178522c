import type { Contact } from './contact.js'
import { commonPrefixLength, compareDistance, ID_BYTES, idFingerprint, idsEqual } from './distance.js'
import { RoutingError, RoutingErrorCode } from './errors.js'
import {
  LOOKUP_FINISHED, QUERY_TIMED_OUT, type LookupEvent, type LookupOptions, type LookupRequest, type LookupResult, type QueryResult
} from './lookup-types.js'

export * from './lookup-types.js'

const NEW = 0
const PENDING = 1
const RETRYING = 2
const SLOW = 3
const ANSWERED = 4
const FAILED = 5

interface Attempt {
  controller: AbortController
  count: number
  sentAt: number
  /** Round trips the link was expected to need (see LookupOptions.roundTrips). */
  trips: number
  cancelSoft: () => void
  cancelHard: () => void
}

interface Candidate {
  contact: Contact
  /** The not-found count it reported (FIND_VALUE), 0 when none. */
  notFound: number
  key: string
  depth: number
  state: number
  answeredAt: number
  attempts: number
  open: Attempt[]
  /** Largest contact count asked of this peer. */
  asked: number
}

/**
 * The iterative lookup, shared by the real Dht and the simulator: it never
 * touches a socket, only the `query` function it is given and a Clock.
 *
 * - Up to `alpha` requests are in flight, always to the closest candidates
 *   not yet asked. Once `alpha` replies in a row have brought nothing closer,
 *   the lookup asks all remaining candidates of the k closest at once (the
 *   Kademlia paper's final round).
 * - Each request has a soft timeout from the peer's RTT (or the network-wide
 *   estimate), times the round trips the link needs to reach it (two for a
 *   contact whose key we lack: the XX handshake comes first). Past it the
 *   slot goes to the next candidate (the lookup widens) without cancelling
 *   the request. A peer among the k closest gets one retry (a lost datagram
 *   must not cost us the closest node); after that it is "slow" and, for
 *   termination, counts as failed — but a late reply is still used, until
 *   the hard timeout aborts the request.
 * - The lookup ends when the k closest candidates that are not failed or slow
 *   have all answered (or a FIND_VALUE got a value).
 *   If dead peers left holes in the k closest, the closest peer that answered
 *   is asked once more for that many extra contacts (a "top-up").
 * - Requests carry fingerprints of the candidates we already hold near the
 *   target, so replies in the final round are nearly empty.
 * - Every reply is checked: contacts with a wrong-length id or our own id are
 *   dropped, a reply with more contacts than asked is truncated, and both are
 *   counted as lying; a value the caller rejects counts as lying too.
 */
export async function runLookup (options: LookupOptions): Promise<LookupResult> {
  const paths = Math.min(Math.max(1, Math.floor(options.paths ?? 1)), options.seeds.length)
  if (paths > 1) return await runDisjointLookup(options, paths)
  return await new Promise<LookupResult>((resolve, reject) => {
    new LookupRun(options, resolve, reject).start()
  })
}

/**
 * S/Kademlia's disjoint paths: the seeds are dealt round-robin (closest first)
 * to `paths` lookups that run side by side, and a node belongs to the first
 * path that meets it: no other path ever asks it. An attacker's nodes can
 * then capture only the paths they are met on; one path made only of honest
 * nodes is enough to reach the value (which the caller verifies, so a
 * captured path's garbage is dropped) or the k closest (the union of every
 * path's closest, by distance). A verified value ends all paths.
 */
async function runDisjointLookup (o: LookupOptions, paths: number): Promise<LookupResult> {
  if (o.target.length !== ID_BYTES) throw new RangeError('lookup: target must be 32 bytes')
  const aborted = (): boolean => o.signal?.aborted === true
  if (aborted()) throw new RoutingError(RoutingErrorCode.aborted, 'lookup aborted')
  const owner = new Map<string, number>()
  const seeds = [...o.seeds].sort((a, b) => compareDistance(o.target, a.id, b.id))
  const controllers = Array.from({ length: paths }, () => new AbortController())
  const onAbort = (): void => { for (const c of controllers) c.abort() }
  o.signal?.addEventListener('abort', onAbort, { once: true })
  const startedAt = o.clock.now()
  const state: { found?: LookupResult } = {}
  try {
    const runs = controllers.map(async (ctl, p) => {
      const options: LookupOptions = { ...o, paths: 1, seeds: seeds.filter((_, i) => i % paths === p), signal: ctl.signal }
      const claim = (key: string): boolean => {
        const held = owner.get(key)
        if (held === undefined) { owner.set(key, p); return true }
        return held === p
      }
      try {
        const r = await new Promise<LookupResult>((resolve, reject) => { new LookupRun(options, resolve, reject, claim).start() })
        if (r.value !== undefined && state.found === undefined) {
          state.found = r
          controllers.forEach((c, i) => { if (i !== p) c.abort() })
        }
        return r
      } catch (err) {
        // A path ended because another found the value; or, with the caller's signal, all of them.
        if (state.found !== undefined && !aborted()) return undefined
        throw err
      }
    })
    const settled = await Promise.allSettled(runs)
    if (aborted()) throw new RoutingError(RoutingErrorCode.aborted, 'lookup aborted')
    const results: LookupResult[] = []
    let firstError: unknown
    for (const s of settled) {
      if (s.status === 'fulfilled') { if (s.value !== undefined) results.push(s.value) } else firstError ??= s.reason
    }
    if (results.length === 0) throw firstError
    return mergePaths(o, results, state.found, o.clock.now() - startedAt)
  } finally {
    o.signal?.removeEventListener('abort', onAbort)
  }
}

function mergePaths (o: LookupOptions, results: LookupResult[], found: LookupResult | undefined, elapsedMs: number): LookupResult {
  const k = o.k ?? 20
  const seen = new Set<string>()
  const closest: Contact[] = []
  for (const c of results.flatMap(r => r.closest).sort((a, b) => compareDistance(o.target, a.id, b.id))) {
    const key = c.id.toString('hex')
    if (seen.has(key)) continue
    seen.add(key)
    closest.push(c)
    if (closest.length >= k) break
  }
  const best = found ?? results.find(r => r.closest[0] !== undefined && closest[0] !== undefined && idsEqual(r.closest[0].id, closest[0].id)) ?? results[0]
  let cacheCandidate: Contact | undefined
  for (const r of results) {
    if (r.cacheCandidate !== undefined && (cacheCandidate === undefined || compareDistance(o.target, r.cacheCandidate.id, cacheCandidate.id) < 0)) cacheCandidate = r.cacheCandidate
  }
  const sum = (f: (r: LookupResult) => number): number => results.reduce((s, r) => s + f(r), 0)
  return {
    target: o.target,
    kind: o.kind ?? 0,
    closest,
    value: found?.value,
    valueFrom: found?.valueFrom,
    cacheCandidate,
    notFound: Math.max(...results.map(r => r.notFound)),
    stoppedEarly: found === undefined && results.every(r => r.stoppedEarly === true),
    hops: best.hops,
    foundMs: best.foundMs,
    elapsedMs,
    queried: sum(r => r.queried),
    answered: sum(r => r.answered),
    failed: sum(r => r.failed),
    slow: sum(r => r.slow),
    lying: sum(r => r.lying)
  }
}

class LookupRun {
  private readonly target: Buffer
  private readonly kind: number
  private readonly k: number
  private readonly alpha: number
  private readonly count: number
  private readonly maxQueries: number
  private readonly maxAttempts: number
  private readonly maxCandidates: number
  private readonly sorted: Candidate[] = []
  private readonly byKey = new Map<string, Candidate>()
  private readonly byEndpoint = new Map<string, Candidate>()
  private readonly startedAt: number
  /** Candidates in PENDING: they hold one of the alpha (or k) slots. */
  private inFlight = 0
  /** Candidates in PENDING, RETRYING or SLOW: requests still open. */
  private outstanding = 0
  private retrying = 0
  private topUps = 0
  private topUpsOpen = 0
  private requests = 0
  private finalRound = false
  private noProgress = 0
  private done = false
  private value?: { value: Buffer, from: Candidate }
  private notFound = 0
  private stoppedEarly = false
  private lacking?: Candidate
  private readonly stats = { queried: 0, answered: 0, failed: 0, slow: 0, lying: 0 }
  private readonly onAbort = (): void => { this.fail(new RoutingError(RoutingErrorCode.aborted, 'lookup aborted')) }

  constructor (
    private readonly o: LookupOptions,
    private readonly resolve: (r: LookupResult) => void,
    private readonly reject: (e: Error) => void,
    /** Disjoint paths: false when another path owns this node (it is then never asked here). */
    private readonly claim?: (key: string) => boolean
  ) {
    if (o.target.length !== ID_BYTES) throw new RangeError('lookup: target must be 32 bytes')
    this.target = o.target
    this.kind = o.kind ?? 0
    this.k = o.k ?? 20
    this.alpha = o.alpha ?? 3
    this.count = Math.min(o.count ?? this.k, 32)
    this.maxQueries = o.maxQueries ?? 128
    this.maxAttempts = o.maxAttempts ?? 2
    this.maxCandidates = o.maxCandidates ?? 1024
    this.startedAt = o.clock.now()
  }

  start (): void {
    if (this.o.signal?.aborted === true) { this.fail(new RoutingError(RoutingErrorCode.aborted, 'lookup aborted')); return }
    this.o.signal?.addEventListener('abort', this.onAbort, { once: true })
    for (const c of this.o.seeds) this.consider(c, 1)
    if (this.sorted.length === 0) {
      this.fail(new RoutingError(RoutingErrorCode.noContacts, 'lookup: no contacts to ask; bootstrap the node first'))
      return
    }
    this.pump()
  }

  /**
   * Adds a contact as a candidate unless it is us, known already, or beyond the
   * bound. One endpoint can only be one node: a second id at an address:port we
   * already hold is refused (the cheapest way to fill a lookup with fakes is to
   * hand out many ids at one address). Returns 'new', 'known' or 'refused'.
   */
  private consider (contact: Contact, depth: number): 'new' | 'known' | 'refused' {
    if (contact.id.length !== ID_BYTES) return 'refused'
    if (this.o.self !== undefined && idsEqual(contact.id, this.o.self)) return 'refused'
    const key = contact.id.toString('hex')
    if (this.byKey.has(key)) return 'known'
    if (this.o.admitContact !== undefined && !this.o.admitContact(contact)) return 'refused'
    const ep = `${contact.endpoint.address}|${contact.endpoint.port}`
    if (this.byEndpoint.has(ep)) return 'refused'
    const pos = this.insertionPoint(contact.id)
    if (this.byKey.size >= this.maxCandidates && pos >= this.k) return 'known'
    if (this.claim !== undefined && !this.claim(key)) return 'known'
    const cand: Candidate = { contact, key, depth, notFound: 0, state: NEW, answeredAt: 0, attempts: 0, open: [], asked: 0 }
    this.sorted.splice(pos, 0, cand)
    this.byKey.set(key, cand)
    this.byEndpoint.set(ep, cand)
    return 'new'
  }

  private insertionPoint (id: Buffer): number {
    let lo = 0; let hi = this.sorted.length
    while (lo < hi) {
      const mid = (lo + hi) >>> 1
      if (compareDistance(this.target, this.sorted[mid].contact.id, id) < 0) lo = mid + 1
      else hi = mid
    }
    return lo
  }

  private pump (): void {
    if (this.done) return
    const limit = this.finalRound ? this.k : this.alpha
    let rank = 0
    let eligible = false
    for (const c of this.sorted) {
      if (rank >= this.k) break
      // A peer being retried keeps the lookup from ending but not from widening.
      if (c.state === FAILED || c.state === SLOW || c.state === RETRYING) continue
      rank++
      if (c.state !== NEW) continue
      if (this.requests >= this.maxQueries) break
      eligible = true
      if (this.inFlight >= limit) break
      c.state = PENDING
      this.inFlight++
      this.outstanding++
      this.stats.queried++
      this.emit({ type: 'query', contact: c.contact, depth: c.depth })
      this.sendAttempt(c)
    }
    if (this.inFlight > 0 || this.retrying > 0 || this.topUpsOpen > 0 || (eligible && this.requests < this.maxQueries)) return
    // Nothing left to ask among the k closest. Wait for slow peers only while
    // fewer than k have answered: they may be all there is.
    if (this.outstanding > 0 && this.requests < this.maxQueries && this.stats.answered < this.k) return
    if (this.topUp()) return
    this.finish()
  }

  /**
   * Peers near the target that turned out dead left holes in the k closest.
   * The peers that answered sent only their own k closest, dead ones
   * included, so ask the closest of them again for as many more as are
   * missing (at most alpha such requests per lookup).
   */
  private topUp (): boolean {
    if (this.kind !== 0 && this.value !== undefined) return false
    let dead = 0
    let live = 0
    let best: Candidate | undefined
    for (const c of this.sorted) {
      if (live >= this.k) break
      if (c.state === FAILED || c.state === SLOW) { dead++; continue }
      live++
      if (best === undefined && c.state === ANSWERED && c.asked < this.count + dead) best = c
    }
    const need = Math.min(32, this.count + dead)
    if (dead === 0 || best === undefined || best.asked >= need || this.topUps >= this.alpha || this.requests >= this.maxQueries) return false
    const peer = best
    peer.asked = need
    this.topUps++
    this.topUpsOpen++
    this.requests++
    const controller = new AbortController()
    let open = true
    const close = (): boolean => {
      if (!open) return false
      open = false; this.topUpsOpen--; cancel(); controller.abort(LOOKUP_FINISHED)
      return true
    }
    const cancel = this.o.clock.setTimer(this.o.rtt.softTimeout(peer.key) * 2, () => { if (close()) this.pump() })
    const request: LookupRequest = { target: this.target, kind: this.kind, count: need, known: this.knownFor(peer) }
    let p: Promise<QueryResult>
    try { p = this.o.query(peer.contact, request, controller.signal) } catch (err) { p = Promise.reject(err) }
    p.then(r => {
      if (this.done || !close()) return
      const contacts = r.contacts.length > need ? r.contacts.slice(0, need) : r.contacts
      for (const x of contacts) this.consider(x, peer.depth + 1)
      this.pump()
    }, () => { if (!this.done && close()) this.pump() })
    return true
  }

  private sendAttempt (c: Candidate): void {
    const { clock, rtt } = this.o
    const controller = new AbortController()
    const trips = Math.max(1, this.o.roundTrips?.(c.contact) ?? 1)
    const soft = rtt.softTimeout(c.key) * trips
    const request: LookupRequest = { target: this.target, kind: this.kind, count: this.requestCount(c), known: this.knownFor(c) }
    const a: Attempt = {
      controller,
      count: request.count,
      sentAt: clock.now(),
      trips,
      cancelSoft: clock.setTimer(soft, () => { this.onSoftTimeout(c, a) }),
      cancelHard: clock.setTimer(Math.max(soft, rtt.hardTimeout(c.key) * trips), () => { controller.abort(QUERY_TIMED_OUT) })
    }
    c.attempts++
    c.asked = Math.max(c.asked, request.count)
    c.open.push(a)
    this.requests++
    let p: Promise<QueryResult>
    try {
      p = this.o.query(c.contact, request, controller.signal)
    } catch (err) {
      p = Promise.reject(err)
    }
    p.then(r => { this.onReply(c, a, r) }, err => { this.onFailure(c, a, err) })
  }

  private requestCount (peer: Candidate): number {
    if (this.rankOf(peer) >= this.alpha) return this.count
    const rate = Math.min(0.5, Math.max(0, this.o.failureRate ?? 0))
    let deadAhead = 0
    let live = 0
    for (const c of this.sorted) {
      if (live >= this.k) break
      if (c.state === FAILED || c.state === SLOW || c.state === RETRYING) deadAhead++
      else live++
    }
    return Math.min(32, Math.max(Math.round(this.count / (1 - rate)), this.count + deadAhead))
  }

  /** Position of c among candidates not failed, slow or retried (k or more: beyond the set that matters). */
  private rankOf (c: Candidate): number {
    let rank = 0
    for (const x of this.sorted) {
      if (x === c) return rank
      if (x.state !== FAILED && x.state !== SLOW && x.state !== RETRYING) rank++
      if (rank >= this.k) return rank
    }
    return rank
  }

  /**
   * Fingerprints of what the peer would otherwise send back: our k closest
   * candidates (near the end of a lookup the peer's closest are ours), and
   * beyond them any candidate sharing more prefix with the target than the
   * peer does.
   */
  private knownFor (peer: Candidate): number[] {
    if (this.o.knownHints === false) return []
    const level = commonPrefixLength(peer.contact.id, this.target)
    const out: number[] = []
    let rank = 0
    for (const c of this.sorted) {
      if (out.length >= 32) break
      if (c.state === FAILED || c === peer) continue
      if (rank++ >= this.k && commonPrefixLength(c.contact.id, this.target) <= level) break
      out.push(idFingerprint(c.contact.id))
    }
    return out
  }

  private onSoftTimeout (c: Candidate, a: Attempt): void {
    if (this.done || c.open[c.open.length - 1] !== a) return
    if (c.state === PENDING) this.inFlight--
    else if (c.state === RETRYING) this.retrying--
    else return
    if (c.attempts < this.maxAttempts && this.rankOf(c) < this.k && this.requests < this.maxQueries) {
      c.state = RETRYING
      this.retrying++
      this.sendAttempt(c)
    } else {
      c.state = SLOW
      this.stats.slow++
      this.emit({ type: 'slow', contact: c.contact })
    }
    this.pump()
  }

  /** Closes all open attempts of c; true if it was still waiting for an answer. */
  private settle (c: Candidate, reason: string): boolean {
    for (const a of c.open) { a.cancelSoft(); a.cancelHard(); a.controller.abort(reason) }
    c.open = []
    if (c.state === PENDING) this.inFlight--
    else if (c.state === RETRYING) this.retrying--
    if (c.state === PENDING || c.state === RETRYING || c.state === SLOW) { this.outstanding--; return true }
    return false
  }

  private onReply (c: Candidate, a: Attempt, r: QueryResult): void {
    if (this.done) return
    const single = c.attempts === 1
    c.open = c.open.filter(x => x !== a)
    a.cancelSoft(); a.cancelHard()
    if (!this.settle(c, LOOKUP_FINISHED)) return
    const now = this.o.clock.now()
    c.state = ANSWERED
    c.answeredAt = now
    this.stats.answered++
    const rttMs = now - a.sentAt
    // Karn: a reply to a retried request says nothing reliable about the RTT; nor
    // does one that may have waited for a handshake (the link measures that one).
    if (single && a.trips === 1) this.o.rtt.observe(c.key, rttMs)
    if (r.value !== undefined) {
      if (this.o.acceptValue === undefined || this.o.acceptValue(r.value, c.contact)) {
        this.value = { value: r.value, from: c }
        this.emit({ type: 'value', contact: c.contact, depth: c.depth })
        this.finish()
        return
      }
      this.lie(c, 'rejected value')
    }
    if (this.kind !== 0) {
      if (r.notFound !== undefined && r.notFound > this.notFound) this.notFound = r.notFound
      c.notFound = r.notFound ?? 0
      if (this.lacking === undefined || compareDistance(this.target, c.contact.id, this.lacking.contact.id) < 0) this.lacking = c
    }
    const before = this.closestLive()
    let contacts = r.contacts
    if (contacts.length > a.count) {
      this.lie(c, `${contacts.length} contacts for ${a.count} asked`)
      contacts = contacts.slice(0, a.count)
    }
    let added = 0
    let invalid = 0
    for (const x of contacts) {
      const r = this.consider(x, c.depth + 1)
      if (r === 'new') added++
      else if (r === 'refused') invalid++
    }
    if (invalid > 0) this.lie(c, `${invalid} invalid contacts`)
    this.emit({ type: 'reply', contact: c.contact, depth: c.depth, rttMs, newContacts: added, contacts })
    if (this.closestLive() !== before) this.noProgress = 0
    else if (++this.noProgress >= this.alpha) this.finalRound = true
    if (this.notFoundQuorum()) {
      this.stoppedEarly = true
      this.finish()
      return
    }
    this.pump()
  }

  /** True when notFoundStop's quorum of the k closest live candidates reported a high count. */
  private notFoundQuorum (): boolean {
    const stop = this.o.notFoundStop
    if (stop === undefined || this.kind === 0) return false
    let votes = 0
    let rank = 0
    for (const c of this.sorted) {
      if (rank >= this.k) break
      if (c.state === FAILED || c.state === SLOW) continue
      rank++
      if (c.state === ANSWERED && c.notFound >= stop.count && ++votes >= Math.max(1, stop.quorum)) return true
    }
    return false
  }

  private onFailure (c: Candidate, a: Attempt, err: unknown): void {
    if (this.done) return
    a.cancelSoft(); a.cancelHard()
    const i = c.open.indexOf(a)
    if (i < 0) return
    c.open.splice(i, 1)
    if (c.open.length > 0) return // another attempt may still answer
    if (!this.settle(c, LOOKUP_FINISHED)) return
    c.state = FAILED
    this.stats.failed++
    this.emit({ type: 'failure', contact: c.contact, reason: err instanceof Error ? err.message : String(err) })
    if (++this.noProgress >= this.alpha) this.finalRound = true
    this.pump()
  }

  private closestLive (): Candidate | undefined {
    for (const c of this.sorted) if (c.state !== FAILED && c.state !== SLOW) return c
    return undefined
  }

  private lie (c: Candidate, reason: string): void {
    this.stats.lying++
    this.emit({ type: 'lying', contact: c.contact, reason })
  }

  private emit (e: LookupEvent): void {
    if (this.o.onProgress === undefined) return
    try { this.o.onProgress(e) } catch { /* a progress listener must not break the lookup */ }
  }

  private cleanup (): void {
    this.done = true
    this.o.signal?.removeEventListener('abort', this.onAbort)
    for (const c of this.sorted) {
      if (c.open.length > 0) { this.settle(c, LOOKUP_FINISHED); c.state = FAILED }
    }
  }

  private fail (err: Error): void {
    if (this.done) return
    this.cleanup()
    this.reject(err)
  }

  private finish (): void {
    if (this.done) return
    this.cleanup()
    const answered = this.sorted.filter(c => c.state === ANSWERED)
    const closest = answered.slice(0, this.k)
    const found = this.value?.from ?? closest[0]
    this.resolve({
      target: this.target,
      kind: this.kind,
      closest: closest.map(c => c.contact),
      value: this.value?.value,
      valueFrom: this.value?.from.contact,
      cacheCandidate: this.lacking?.contact,
      notFound: this.notFound,
      stoppedEarly: this.stoppedEarly,
      hops: found?.depth ?? 0,
      foundMs: found !== undefined ? found.answeredAt - this.startedAt : 0,
      elapsedMs: this.o.clock.now() - this.startedAt,
      ...this.stats
    })
  }
}
