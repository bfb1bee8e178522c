import { compareContacts, compareEarned, type Contact } from './contact.js'
import { bucketOf, DEFAULT_LAYOUT, type BucketRef } from './bucket-layout.js'
import { commonPrefixLength, compareDistance, ID_BITS, ID_BYTES, idsEqual } from './distance.js'
import type { Endpoint } from '../types.js'

/**
 * The k-bucket table, pure: it never sends anything. Where a classic table
 * would ping, `add` returns a `ping` action and the caller reports the result
 * through `resolvePing`. Every bucket holds at most k contacts plus a bounded
 * replacement cache, so the table cannot grow past
 * 256 levels × 2^s sub-buckets × (k + replacements) whatever the network sends.
 *
 * A full bucket keeps the better, long-lived contact:
 *  - a candidate that outranks the bucket's worst member on what it earned
 *    (content provided, payments made: things a newcomer cannot fake or mint)
 *    takes its place at once; the demoted one goes to the replacement cache.
 *    A higher rank alone does not: rank is bought with hashing, and an
 *    attacker could mine a bit above the network to push a target's honest
 *    neighbours out (see compareEarned); it waits among the replacements,
 *    which are ordered by rank;
 *  - otherwise the candidate waits in the replacement cache, and if the worst
 *    member has not been heard from for `questionableAfterMs` the caller is
 *    asked to ping it first; only a failed ping evicts it (Kademlia's
 *    preference for nodes that have stayed up).
 */
export interface RoutingTableOptions {
  k: number
  subBucketBits: number
  /** Replacement candidates kept per bucket. */
  replacements: number
  /** Failures after which a contact is swapped for a replacement (if any) and no longer handed out. */
  maxFailures: number
  /** Failures after which a contact is dropped even with no replacement. */
  dropAfterFailures: number
  /** A member not heard from for this long is pinged before a candidate is turned away. */
  questionableAfterMs: number
  /** A bucket with no activity for this long is stale and should be refreshed. */
  refreshAfterMs: number
}

export const DEFAULT_TABLE_OPTIONS: RoutingTableOptions = {
  k: DEFAULT_LAYOUT.k,
  subBucketBits: DEFAULT_LAYOUT.subBucketBits,
  replacements: 8,
  maxFailures: 2,
  dropAfterFailures: 5,
  questionableAfterMs: 15 * 60_000,
  refreshAfterMs: 15 * 60_000
}

export type AddResult =
  | { kind: 'added', contact: Contact }
  | { kind: 'updated', contact: Contact }
  | { kind: 'replaced', contact: Contact, evicted: Contact }
  | { kind: 'cached', contact: Contact }
  | { kind: 'ping', oldest: Contact, candidate: Contact }
  | { kind: 'rejected', reason: 'self' | 'bad-id' }

export type PingOutcome =
  | { kind: 'kept', contact: Contact }
  | { kind: 'replaced', contact: Contact, evicted: Contact }
  | { kind: 'unknown' }

export type FailOutcome =
  | { kind: 'counted', contact: Contact }
  /** The failure was at another endpoint than the one held: not counted. */
  | { kind: 'other-endpoint', contact: Contact }
  | { kind: 'evicted', contact: Contact, replacement?: Contact }
  | { kind: 'unknown' }

interface Bucket {
  readonly ref: BucketRef
  members: Contact[]
  replacements: Contact[]
  pending?: { oldest: Contact, candidate: Contact }
  lastActive: number
}

export interface BucketSnapshot {
  ref: BucketRef
  /** Members in the seed's order, best first. */
  contacts: Contact[]
  replacements: Contact[]
  lastActive: number
}

export class RoutingTable {
  readonly options: RoutingTableOptions
  private readonly levels: Array<Array<Bucket | undefined> | undefined> = []
  private count = 0

  constructor (readonly self: Buffer, options: Partial<RoutingTableOptions> = {}) {
    if (self.length !== ID_BYTES) throw new RangeError('routing table: self id must be 32 bytes')
    this.options = { ...DEFAULT_TABLE_OPTIONS, ...options }
    if (this.options.k < 1 || this.options.subBucketBits < 0 || this.options.subBucketBits > 8) {
      throw new RangeError('routing table: k must be ≥ 1 and subBucketBits within 0..8')
    }
  }

  get size (): number { return this.count }

  get (id: Uint8Array): Contact | undefined {
    const b = this.bucketFor(id, false)
    return b?.members.find(c => idsEqual(c.id, id))
  }

  has (id: Uint8Array): boolean { return this.get(id) !== undefined }

  /** Offers a contact that has just answered or contacted us. */
  add (contact: Contact, now: number): AddResult {
    if (contact.id.length !== ID_BYTES) return { kind: 'rejected', reason: 'bad-id' }
    if (idsEqual(contact.id, this.self)) return { kind: 'rejected', reason: 'self' }
    const b = this.bucketFor(contact.id, true) as Bucket
    const existing = b.members.find(c => idsEqual(c.id, contact.id))
    if (existing !== undefined) {
      mergeInto(existing, contact, now)
      b.lastActive = now
      return { kind: 'updated', contact: existing }
    }
    const fresh: Contact = { ...contact, lastSeen: now, failures: 0, connectedSince: contact.connectedSince || now }
    removeById(b.replacements, fresh.id)
    if (b.members.length < this.options.k) {
      b.members.push(fresh); this.count++; b.lastActive = now
      return { kind: 'added', contact: fresh }
    }
    const failing = worstFailing(b.members)
    if (failing !== undefined) {
      this.swap(b, failing, fresh, now)
      return { kind: 'replaced', contact: fresh, evicted: failing }
    }
    const worst = this.worst(b, now)
    if (compareEarned(fresh, worst) < 0) {
      this.swap(b, worst, fresh, now)
      this.cache(b, worst, now)
      return { kind: 'replaced', contact: fresh, evicted: worst }
    }
    this.cache(b, fresh, now)
    if (b.pending === undefined && now - worst.lastSeen >= this.options.questionableAfterMs) {
      b.pending = { oldest: worst, candidate: fresh }
      return { kind: 'ping', oldest: worst, candidate: fresh }
    }
    return { kind: 'cached', contact: fresh }
  }

  /** The answer to a `ping` action. */
  resolvePing (oldestId: Uint8Array, alive: boolean, now: number): PingOutcome {
    const b = this.bucketFor(oldestId, false)
    const p = b?.pending
    if (b === undefined || p === undefined || !idsEqual(p.oldest.id, oldestId)) return { kind: 'unknown' }
    b.pending = undefined
    const member = b.members.find(c => idsEqual(c.id, oldestId))
    if (member === undefined) return { kind: 'unknown' }
    if (alive) {
      member.lastSeen = now; member.failures = 0
      return { kind: 'kept', contact: member }
    }
    removeById(b.replacements, p.candidate.id)
    this.swap(b, member, p.candidate, now)
    return { kind: 'replaced', contact: p.candidate, evicted: member }
  }

  /** A contact answered a request; refreshes it and its RTT without re-sorting anything else. */
  markAlive (id: Uint8Array, now: number, rttMs?: number): Contact | undefined {
    const c = this.get(id)
    if (c === undefined) return undefined
    c.lastSeen = now; c.failures = 0
    if (rttMs !== undefined) c.rttMs = rttMs
    return c
  }

  /**
   * A request to this contact failed (timeout, bad reply). With `endpoint`, the
   * failure counts only if that is the endpoint held for the id: someone else's
   * claim that the node lives elsewhere must not wear down the contact we hold.
   */
  markFailed (id: Uint8Array, now: number, endpoint?: Endpoint): FailOutcome {
    const b = this.bucketFor(id, false)
    const c = b?.members.find(m => idsEqual(m.id, id))
    if (b === undefined || c === undefined) {
      const r = b?.replacements.find(m => idsEqual(m.id, id))
      if (b !== undefined && r !== undefined && (endpoint === undefined || sameEndpoint(r.endpoint, endpoint))) removeById(b.replacements, id)
      return { kind: 'unknown' }
    }
    if (endpoint !== undefined && !sameEndpoint(c.endpoint, endpoint)) return { kind: 'other-endpoint', contact: c }
    c.failures++
    if (c.failures >= this.options.maxFailures && b.replacements.length > 0) {
      const replacement = b.replacements.shift() as Contact
      this.swap(b, c, replacement, now)
      return { kind: 'evicted', contact: c, replacement }
    }
    if (c.failures >= this.options.dropAfterFailures) {
      removeById(b.members, id); this.count--
      return { kind: 'evicted', contact: c }
    }
    return { kind: 'counted', contact: c }
  }

  remove (id: Uint8Array): boolean {
    const b = this.bucketFor(id, false)
    if (b === undefined) return false
    removeById(b.replacements, id)
    if (removeById(b.members, id)) { this.count--; return true }
    return false
  }

  /**
   * The n contacts closest to target, closest first, skipping contacts that
   * have failed `maxFailures` times and those `exclude` rejects. Walks levels
   * in distance order — the level the target falls in, then all deeper levels
   * (which share exactly the same prefix with the target), then shallower
   * levels one by one — so it sorts only a few buckets, not the whole table.
   */
  closest (target: Uint8Array, n: number, exclude?: (c: Contact) => boolean): Contact[] {
    const out: Contact[] = []
    if (n <= 0) return out
    const lc = commonPrefixLength(this.self, target)
    const take = (group: Contact[]): void => {
      group.sort((a, b) => compareDistance(target, a.id, b.id))
      for (const c of group) {
        if (out.length >= n) return
        out.push(c)
      }
    }
    const usable = (c: Contact): boolean => c.failures < this.options.maxFailures && (exclude === undefined || !exclude(c))
    if (lc < ID_BITS) take(this.levelContacts(lc, usable))
    if (out.length < n) {
      const deeper: Contact[] = []
      for (let l = lc + 1; l < this.levels.length; l++) deeper.push(...this.levelContacts(l, usable))
      take(deeper)
    }
    for (let l = Math.min(lc, ID_BITS) - 1; l >= 0 && out.length < n; l--) take(this.levelContacts(l, usable))
    return out
  }

  /** Buckets with no activity for `refreshAfterMs`, to be refreshed by looking up a random id in each. */
  staleBuckets (now: number): BucketRef[] {
    const out: BucketRef[] = []
    for (const b of this.allBuckets()) {
      if (b.members.length > 0 && now - b.lastActive >= this.options.refreshAfterMs) out.push(b.ref)
    }
    return out
  }

  /** Records that a lookup went through the bucket covering `target`, which postpones its refresh. */
  touch (target: Uint8Array, now: number): void {
    const b = this.bucketFor(target, false)
    if (b !== undefined) b.lastActive = now
  }

  /** Deepest level holding a contact (-1 when empty): buckets above it are worth refreshing after a join. */
  deepestLevel (): number {
    for (let l = this.levels.length - 1; l >= 0; l--) {
      if (this.levels[l]?.some(b => b !== undefined && b.members.length > 0) === true) return l
    }
    return -1
  }

  all (): Contact[] {
    const out: Contact[] = []
    for (const b of this.allBuckets()) out.push(...b.members)
    return out
  }

  buckets (now: number): BucketSnapshot[] {
    return this.allBuckets().map(b => ({
      ref: b.ref,
      contacts: [...b.members].sort((x, y) => compareContacts(x, y, now)),
      replacements: [...b.replacements],
      lastActive: b.lastActive
    }))
  }

  private levelContacts (level: number, usable: (c: Contact) => boolean): Contact[] {
    const out: Contact[] = []
    const lv = this.levels[level]
    if (lv === undefined) return out
    for (const b of lv) {
      if (b === undefined) continue
      for (const c of b.members) if (usable(c)) out.push(c)
    }
    return out
  }

  private allBuckets (): Bucket[] {
    const out: Bucket[] = []
    for (const lv of this.levels) {
      if (lv === undefined) continue
      for (const b of lv) if (b !== undefined) out.push(b)
    }
    return out
  }

  private bucketFor (id: Uint8Array, create: boolean): Bucket | undefined {
    if (id.length !== ID_BYTES) return undefined
    const ref = bucketOf(this.self, id, this.options.subBucketBits)
    if (ref === undefined) return undefined
    let lv = this.levels[ref.level]
    if (lv === undefined) {
      if (!create) return undefined
      while (this.levels.length <= ref.level) this.levels.push(undefined)
      lv = new Array<Bucket | undefined>(1 << this.options.subBucketBits).fill(undefined)
      this.levels[ref.level] = lv
    }
    let b = lv[ref.sub]
    if (b === undefined && create) {
      b = { ref, members: [], replacements: [], lastActive: 0 }
      lv[ref.sub] = b
    }
    return b
  }

  private worst (b: Bucket, now: number): Contact {
    let w = b.members[0]
    for (const c of b.members) if (compareContacts(c, w, now) > 0) w = c
    return w
  }

  private swap (b: Bucket, out: Contact, into: Contact, now: number): void {
    const i = b.members.indexOf(out)
    b.members[i] = into
    into.lastSeen = Math.max(into.lastSeen, now)
    b.lastActive = now
    if (b.pending !== undefined && (b.pending.oldest === out || b.pending.candidate === into)) b.pending = undefined
  }

  private cache (b: Bucket, c: Contact, now: number): void {
    removeById(b.replacements, c.id)
    b.replacements.push(c)
    b.replacements.sort((x, y) => compareContacts(x, y, now))
    if (b.replacements.length > this.options.replacements) b.replacements.length = this.options.replacements
  }
}

export function sameEndpoint (a: Endpoint, b: Endpoint): boolean {
  return a.port === b.port && a.address === b.address
}

function removeById (list: Contact[], id: Uint8Array): boolean {
  const i = list.findIndex(c => idsEqual(c.id, id))
  if (i < 0) return false
  list.splice(i, 1)
  return true
}

function worstFailing (members: Contact[]): Contact | undefined {
  let w: Contact | undefined
  for (const c of members) if (c.failures > 0 && (w === undefined || c.failures > w.failures)) w = c
  return w
}

function mergeInto (into: Contact, from: Contact, now: number): void {
  into.endpoint = from.endpoint
  if (from.publicKey !== undefined) {
    into.publicKey = from.publicKey
    // A contact from a NODES reply usually carries its key without the rank
    // nonce: keep the rank the handshake (or an earlier record) proved.
    if (from.nonce !== undefined) { into.nonce = from.nonce; into.rank = from.rank }
  }
  if (from.rttMs !== undefined) into.rttMs = from.rttMs
  into.contentProvided = Math.max(into.contentProvided, from.contentProvided)
  into.paymentsMade = Math.max(into.paymentsMade, from.paymentsMade)
  if (from.bandwidth > 0) into.bandwidth = from.bandwidth
  into.lastSeen = now
  into.failures = 0
}
