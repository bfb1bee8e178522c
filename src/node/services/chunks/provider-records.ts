import { tryDecode } from '../../wire/codec.js'
import type { ValueProvider } from '../service-network.js'
import { MAX_PROVIDERS, type ProviderRecord, decodeProviderList, encodeProviderList } from './messages.js'
import { checkProviderRecord } from './provider-record.js'

/**
 * The provider records a node keeps for others: who serves which chunk, until
 * when. Records arrive from the network (ADD_PROVIDER, checked by the caller),
 * so everything is bounded: at most `maxPerChunk` providers per chunk (a full
 * chunk replaces the record that expires first, if the newcomer outlives it)
 * and at most `maxChunks` chunk ids (the least recently touched id goes).
 * Expired records are dropped lazily on read and by prune().
 *
 * Order: providers of a chunk come out in the order they were first
 * announced (a refresh keeps its place), so long-standing providers are
 * tried first, as Kademlia prefers old contacts.
 */
export interface ProviderRecordsOptions {
  maxChunks?: number
  maxPerChunk?: number
}

export const DEFAULT_MAX_RECORD_CHUNKS = 10_000

export class ProviderRecords {
  readonly maxChunks: number
  readonly maxPerChunk: number
  private readonly byChunk = new Map<string, Map<string, ProviderRecord>>()
  private count = 0

  constructor (opts: ProviderRecordsOptions = {}) {
    this.maxChunks = opts.maxChunks ?? DEFAULT_MAX_RECORD_CHUNKS
    this.maxPerChunk = Math.min(opts.maxPerChunk ?? MAX_PROVIDERS, MAX_PROVIDERS)
    if (!Number.isSafeInteger(this.maxChunks) || this.maxChunks < 1) throw new RangeError(`bad maxChunks ${this.maxChunks}`)
    if (!Number.isSafeInteger(this.maxPerChunk) || this.maxPerChunk < 1) throw new RangeError(`bad maxPerChunk ${this.maxPerChunk}`)
  }

  /** Chunk ids with at least one record (expired ones included until pruned). */
  get chunks (): number { return this.byChunk.size }
  /** Records held (expired ones included until pruned). */
  get size (): number { return this.count }

  /** Adds or refreshes a (checked) record. False when it was not kept. */
  add (r: ProviderRecord, now: number): boolean {
    if (r.expiresAt <= now) return false
    const hex = r.chunkId.toString('hex')
    let m = this.byChunk.get(hex)
    if (m === undefined) {
      m = new Map()
      this.byChunk.set(hex, m)
      if (this.byChunk.size > this.maxChunks) this.dropOldestChunk()
    } else {
      // touched: move the chunk to the young end of the eviction order
      this.byChunk.delete(hex)
      this.byChunk.set(hex, m)
    }
    const pid = r.provider.id.toString('hex')
    const old = m.get(pid)
    if (old !== undefined) {
      if (old.expiresAt >= r.expiresAt) return true // an older copy of what we have
      m.set(pid, r)
      return true
    }
    this.dropExpired(m, now)
    if (m.size >= this.maxPerChunk) {
      let victim: string | undefined
      let soonest = Infinity
      for (const [k, v] of m) if (v.expiresAt < soonest) { soonest = v.expiresAt; victim = k }
      if (victim === undefined || soonest >= r.expiresAt) return false
      m.delete(victim)
      this.count--
    }
    m.set(pid, r)
    this.count++
    return true
  }

  /** The unexpired records for a chunk, oldest provider first (at most maxPerChunk). */
  get (chunkId: Uint8Array, now: number): ProviderRecord[] {
    const hex = Buffer.from(chunkId).toString('hex')
    const m = this.byChunk.get(hex)
    if (m === undefined) return []
    this.dropExpired(m, now)
    if (m.size === 0) { this.byChunk.delete(hex); return [] }
    return [...m.values()]
  }

  has (chunkId: Uint8Array, now: number): boolean {
    return this.get(chunkId, now).length > 0
  }

  /** Drops every expired record; returns how many went. */
  prune (now: number): number {
    const before = this.count
    for (const [hex, m] of this.byChunk) {
      this.dropExpired(m, now)
      if (m.size === 0) this.byChunk.delete(hex)
    }
    return before - this.count
  }

  private dropExpired (m: Map<string, ProviderRecord>, now: number): void {
    for (const [k, v] of m) {
      if (v.expiresAt <= now) { m.delete(k); this.count-- }
    }
  }

  private dropOldestChunk (): void {
    const oldest = this.byChunk.keys().next().value
    if (oldest === undefined) return
    this.count -= this.byChunk.get(oldest)?.size ?? 0
    this.byChunk.delete(oldest)
  }
}

export interface ProviderValueOptions {
  records: ProviderRecords
  now: () => number
  /** This node's own record for the chunk when it holds the chunk itself (put first). */
  selfRecord?: (chunkId: Buffer) => ProviderRecord | undefined
  /** Told of every query, and whether it was answered (demand counting, cache on demand). */
  onQuery?: (chunkId: Buffer, answered: boolean) => void
}

/**
 * The FIND_VALUE answer for VALUE_KIND.chunkProviders: the encoded provider
 * list for a chunk id, or undefined (the lookup goes on) when none is known.
 */
export function providerListFor (opts: ProviderValueOptions, chunkId: Buffer): ProviderRecord[] {
  if (chunkId.length !== 32) return []
  const own = opts.selfRecord?.(chunkId)
  const others = opts.records.get(chunkId, opts.now())
  const list = own === undefined ? others : [own, ...others.filter(r => !r.provider.id.equals(own.provider.id))]
  const out = list.slice(0, MAX_PROVIDERS)
  opts.onQuery?.(chunkId, out.length > 0)
  return out
}

/**
 * The ValueProvider for VALUE_KIND.chunkProviders. Besides answering, it
 * checks lists a lookup brings back (one record that verifies for the key is
 * enough to accept the list; the finder checks each record again before using
 * it) and keeps the records a lookup offers along its path, so the records of
 * popular chunks spread to the nodes their lookups pass.
 */
export function createProviderValue (opts: ProviderValueOptions): Required<Omit<ValueProvider, 'onMiss'>> {
  const valid = (key: Buffer, value: Buffer): ProviderRecord[] => {
    const list = tryDecode(decodeProviderList, value)
    if (list === undefined) return []
    const now = opts.now()
    return list.filter(r => checkProviderRecord(r, now, key) === undefined)
  }
  return {
    get: (key: Buffer): Uint8Array | undefined => {
      const list = providerListFor(opts, key)
      return list.length === 0 ? undefined : encodeProviderList(list)
    },
    validate: (key: Buffer, value: Buffer): boolean => {
      const list = tryDecode(decodeProviderList, value)
      const now = opts.now()
      return list?.some(r => checkProviderRecord(r, now, key) === undefined) ?? false
    },
    cache: (key: Buffer, value: Buffer): boolean => {
      if (key.length !== 32) return false
      let kept = 0
      const now = opts.now()
      for (const r of valid(key, value)) if (opts.records.add(r, now)) kept++
      return kept > 0
    }
  }
}
