import { rankOf } from '../../identity/identity.js'
import { tryDecode } from '../../wire/codec.js'
import type { Contact } from '../../routing/contact.js'
import type { ValueProvider } from '../service-network.js'
import { MAX_PROVIDERS, type ProviderRecord, decodeProviderList, encodeProviderList } from './messages.js'
import { checkProviderRecord } from './provider-record.js'

/**
 * The provider records a node keeps for others: who serves which chunk, until
 * when. Records arrive from the network (ADD_PROVIDER, checked by the caller),
 * so everything is bounded, and bounded so that no provider can push out
 * another that holds fewer records than it does:
 *   - at most `maxRecords` records in all, `maxPerChunk` per chunk and
 *     `maxPerProvider` per provider (a provider at its quota is refused);
 *   - when the table, or a chunk's list, is full, a newcomer takes the place
 *     of a record of the provider with the largest share here (its oldest
 *     record goes), and only if that provider would still hold as large a
 *     share as the newcomer's provider after the swap: fair shares, never
 *     first come first served for whoever floods fastest, never the longer
 *     TTL (a lifetime is the sender's word and costs nothing). A share is
 *     records held / 2^rank: an identity worth twice the work holds twice
 *     the records at the same share, so a crowd of cheap identities cannot
 *     push out a provider that invested in its own (the seed's answer to
 *     Sybils);
 *   - expired records are dropped lazily on read, on a full table (at most
 *     once a second) and by prune().
 *
 * Order: providers of a chunk come out in the order they were first
 * announced (a refresh keeps its place), so long-standing providers are
 * tried first, as Kademlia prefers old contacts.
 */
export interface ProviderRecordsOptions {
  maxRecords?: number
  maxPerChunk?: number
  maxPerProvider?: number
}

export const DEFAULT_MAX_RECORDS = 20_000
export const DEFAULT_MAX_RECORDS_PER_PROVIDER = 1_000
const FULL_PRUNE_GAP_MS = 1000

export class ProviderRecords {
  readonly maxRecords: number
  readonly maxPerChunk: number
  readonly maxPerProvider: number
  private readonly byChunk = new Map<string, Map<string, ProviderRecord>>()
  /** Chunk ids each provider holds records for, oldest first, and the weight of its share (2^rank). */
  private readonly byProvider = new Map<string, { chunks: Set<string>, weight: number }>()
  private count = 0
  private lastFullPrune = -Infinity

  constructor (opts: ProviderRecordsOptions = {}) {
    this.maxRecords = opts.maxRecords ?? DEFAULT_MAX_RECORDS
    this.maxPerChunk = Math.min(opts.maxPerChunk ?? MAX_PROVIDERS, MAX_PROVIDERS)
    this.maxPerProvider = Math.min(opts.maxPerProvider ?? DEFAULT_MAX_RECORDS_PER_PROVIDER, this.maxRecords)
    for (const [name, v] of [['maxRecords', this.maxRecords], ['maxPerChunk', this.maxPerChunk], ['maxPerProvider', this.maxPerProvider]] as const) {
      if (!Number.isSafeInteger(v) || v < 1) throw new RangeError(`bad ${name} ${v}`)
    }
  }

  /** Chunk ids with at least one record (expired ones included until pruned). */
  get chunks (): number { return this.byChunk.size }
  /** Records held (expired ones included until pruned). */
  get size (): number { return this.count }
  /** Records held for one provider (expired ones included until pruned). */
  heldFor (providerId: Uint8Array): number {
    return this.byProvider.get(Buffer.from(providerId).toString('hex'))?.chunks.size ?? 0
  }

  /** Adds or refreshes a (checked) record. False when it was not kept. */
  add (r: ProviderRecord, now: number): boolean {
    if (r.expiresAt <= now) return false
    const hex = r.chunkId.toString('hex')
    const pid = r.provider.id.toString('hex')
    const m = this.byChunk.get(hex)
    const old = m?.get(pid)
    if (old !== undefined) {
      // A refresh: the provider's own newer word, it takes no new place.
      if (old.expiresAt < r.expiresAt) m?.set(pid, r)
      return true
    }
    if (this.heldFor(r.provider.id) >= this.maxPerProvider) {
      this.dropExpiredOf(pid, now)
      if (this.heldFor(r.provider.id) >= this.maxPerProvider) return false
    }
    if (m !== undefined) {
      this.dropExpired(hex, m, now)
      if (m.size >= this.maxPerChunk && !this.evictFrom(m.keys(), r, hex)) return false
    }
    if (this.count >= this.maxRecords) {
      if (now - this.lastFullPrune >= FULL_PRUNE_GAP_MS) { this.lastFullPrune = now; this.prune(now) }
      if (this.count >= this.maxRecords && !this.evictFrom(this.byProvider.keys(), r)) return false
    }
    let into = this.byChunk.get(hex)
    if (into === undefined) { into = new Map(); this.byChunk.set(hex, into) }
    into.set(pid, r)
    let mine = this.byProvider.get(pid)
    if (mine === undefined) { mine = { chunks: new Set(), weight: weightOf(r) }; this.byProvider.set(pid, mine) }
    mine.chunks.add(hex)
    this.count++
    return true
  }

  /** The unexpired records for a chunk, oldest provider first (at most maxPerChunk). */
  get (chunkId: Uint8Array, now: number): ProviderRecord[] {
    const hex = Buffer.from(chunkId).toString('hex')
    const m = this.byChunk.get(hex)
    if (m === undefined) return []
    this.dropExpired(hex, m, now)
    return [...m.values()]
  }

  has (chunkId: Uint8Array, now: number): boolean {
    return this.get(chunkId, now).length > 0
  }

  /** Drops every expired record; returns how many went. */
  prune (now: number): number {
    const before = this.count
    for (const [hex, m] of this.byChunk) this.dropExpired(hex, m, now)
    return before - this.count
  }

  /**
   * Makes room for a record of `newcomer`'s provider: a record of the
   * provider among `candidates` with the largest share goes (its record for
   * `chunkHex` when given, else its oldest), if its share after losing it is
   * still at least the newcomer's after gaining one (so the two cannot take
   * the place back and forth). False when nobody qualifies.
   */
  private evictFrom (candidates: Iterable<string>, newcomer: ProviderRecord, chunkHex?: string): boolean {
    const mine = this.byProvider.get(newcomer.provider.id.toString('hex'))
    const need = ((mine?.chunks.size ?? 0) + 1) / (mine?.weight ?? weightOf(newcomer))
    let hog: string | undefined
    let most = -1
    for (const pid of candidates) {
      const p = this.byProvider.get(pid)
      if (p !== undefined && p.chunks.size / p.weight > most) { most = p.chunks.size / p.weight; hog = pid }
    }
    const h = hog === undefined ? undefined : this.byProvider.get(hog)
    if (hog === undefined || h === undefined || (h.chunks.size - 1) / h.weight < need) return false
    const chunk = chunkHex ?? h.chunks.values().next().value
    if (chunk === undefined) return false
    this.remove(chunk, hog)
    return true
  }

  private remove (chunkHex: string, pid: string): void {
    const m = this.byChunk.get(chunkHex)
    if (m === undefined || !m.delete(pid)) return
    this.count--
    if (m.size === 0) this.byChunk.delete(chunkHex)
    const mine = this.byProvider.get(pid)
    mine?.chunks.delete(chunkHex)
    if (mine?.chunks.size === 0) this.byProvider.delete(pid)
  }

  private dropExpired (chunkHex: string, m: Map<string, ProviderRecord>, now: number): void {
    for (const [pid, v] of m) if (v.expiresAt <= now) this.remove(chunkHex, pid)
  }

  private dropExpiredOf (pid: string, now: number): void {
    for (const chunkHex of [...(this.byProvider.get(pid)?.chunks ?? [])]) {
      const r = this.byChunk.get(chunkHex)?.get(pid)
      if (r !== undefined && r.expiresAt <= now) this.remove(chunkHex, pid)
    }
  }
}

/** The weight of a provider's share: 2^rank (capped, to stay a safe number). */
function weightOf (r: ProviderRecord): number {
  return 2 ** Math.min(40, rankOf(r.provider.publicKey, r.provider.nonce))
}

export interface ProviderValueOptions {
  records: ProviderRecords
  now: () => number
  /** This node's own record for the chunk when it holds the chunk itself (put first). */
  selfRecord?: (chunkId: Buffer) => ProviderRecord | undefined
  /** A peer asked for a chunk this node has no record of (demand counting, cache on demand). */
  onMiss?: (chunkId: Buffer, from: Contact) => void
  /** Whether a record (signature already checked or not) may be used or kept here; default: it verifies. */
  usable?: (r: ProviderRecord, now: number, chunkId: Buffer) => boolean
}

/**
 * The FIND_VALUE answer for VALUE_KIND.chunkProviders: the provider records
 * for a chunk id, this node's own first, or none (the lookup goes on).
 */
export function providerListFor (opts: ProviderValueOptions, chunkId: Buffer): ProviderRecord[] {
  if (chunkId.length !== 32) return []
  const own = opts.selfRecord?.(chunkId)
  const others = opts.records.get(chunkId, opts.now())
  const list = own === undefined ? others : [own, ...others.filter(r => !r.provider.id.equals(own.provider.id))]
  return list.slice(0, MAX_PROVIDERS)
}

/**
 * Records offered along a lookup path (CACHE_VALUE) are kept only from a peer
 * whose FIND_VALUE for that key missed here within this window: the DHT
 * offers a found value to the closest node on its path that lacked it, so an
 * honest offer always follows a miss, and a flood of offers for random keys
 * finds nothing to follow.
 */
const PATH_OFFER_WINDOW_MS = 10 * 60_000
const MAX_PATH_MISSES = 4096

/**
 * The ValueProvider for VALUE_KIND.chunkProviders. Besides answering, it
 * checks lists a lookup brings back (one usable record for the key is
 * enough to accept the list; the finder checks each record again before using
 * it) and keeps the records a lookup offers along its path, so the records of
 * popular chunks spread to the nodes their lookups pass (only after a miss by
 * the offering peer, and within the table's quotas).
 */
export function createProviderValue (opts: ProviderValueOptions): Required<ValueProvider> {
  const usable = opts.usable ?? ((r, now, key) => checkProviderRecord(r, now, key) === undefined)
  // `${key}:${peer}` → when that peer's query for that key missed here (oldest first).
  const misses = new Map<string, number>()
  const valid = (key: Buffer, value: Buffer): ProviderRecord[] => {
    const list = tryDecode(decodeProviderList, value)
    if (list === undefined) return []
    const now = opts.now()
    return list.filter(r => usable(r, now, key))
  }
  return {
    get: (key: Buffer): Uint8Array | undefined => {
      const list = providerListFor(opts, key)
      return list.length === 0 ? undefined : encodeProviderList(list)
    },
    onMiss: (key: Buffer, from: Contact): void => {
      if (key.length !== 32) return
      const k = `${key.toString('hex')}:${from.id.toString('hex')}`
      misses.delete(k)
      misses.set(k, opts.now())
      if (misses.size > MAX_PATH_MISSES) misses.delete(misses.keys().next().value as string)
      opts.onMiss?.(key, from)
    },
    validate: (key: Buffer, value: Buffer): boolean => {
      const list = tryDecode(decodeProviderList, value)
      const now = opts.now()
      return list?.some(r => usable(r, now, key)) ?? false
    },
    cache: (key: Buffer, value: Buffer, from: Contact): boolean => {
      if (key.length !== 32) return false
      const now = opts.now()
      const missedAt = misses.get(`${key.toString('hex')}:${from.id.toString('hex')}`)
      if (missedAt === undefined || now - missedAt > PATH_OFFER_WINDOW_MS) return false
      let kept = 0
      for (const r of valid(key, value)) if (opts.records.add(r, now)) kept++
      return kept > 0
    }
  }
}
