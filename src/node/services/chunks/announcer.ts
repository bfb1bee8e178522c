import type { Introducer } from '../../wire/punch-messages.js'
import type { Identity } from '../../identity/identity.js'
import type { Contact } from '../../routing/contact.js'
import { tryDecode } from '../../wire/codec.js'
import type { ServiceNetwork } from '../service-network.js'
import { CHUNK_SERVICE, type ProviderRecord, decodeChunkMessage, encodeChunkMessage } from './messages.js'
import { type ProviderFinderDeps, findProviders } from './provider-finder.js'
import { contactOfRecord, createProviderRecord } from './provider-record.js'
import type { ProviderRecords } from './provider-records.js'

/**
 * Telling the network "I serve chunk C": this node's signed provider record
 * goes to the k closest nodes of C (ADD_PROVIDER), and into its own table so
 * it answers for itself. Records live `ttlMs`; the service republishes
 * everything it holds every `republishIntervalMs` (well inside the TTL, so
 * one missed round does not make a chunk vanish).
 *
 * A publisher's availability check asks who serves each chunk; below the
 * target it re-announces and asks some of the closest nodes that do not
 * serve it yet to pull it (CACHE_REQUEST): still pull, never push, since the
 * receiver decides and fetches through the normal, verified download.
 */
export interface AnnouncerDeps {
  network: ServiceNetwork
  identity: Identity
  records: ProviderRecords
  finder: ProviderFinderDeps
  now: () => number
  ttlMs: number
  requestTimeoutMs: number
  /** How many closest nodes receive a record; undefined: the network's k. */
  announceCount?: number
  counters: AnnounceCounters
}

export interface AnnounceCounters {
  announcements: number
  recordsSent: number
  recordsRefused: number
  announceFailures: number
  cacheRequestsSent: number
  cacheRequestsAccepted: number
}

export interface PublishProgress {
  done: number
  total: number
  failed: number
}

export interface PublishOptions {
  signal?: AbortSignal
  onProgress?: (p: PublishProgress) => void
  /** Chunks announced at once. Default 4. */
  concurrency?: number
}

export interface PublishResult {
  /** Chunks at least one other node accepted a record for. */
  announced: number
  /** Chunks no other node accepted a record for (no nodes known, all refused or unreachable). */
  failed: number
}

export interface AvailabilityOptions extends PublishOptions {
  /** Providers wanted per chunk (this node included when it serves the chunk). */
  target?: number
}

export interface Availability {
  id: Buffer
  /** Distinct providers found before anything was done. */
  providers: number
  /** Re-announced because below target. */
  announced: boolean
  /** Nodes that agreed to pull and cache it. */
  pushed: number
  /** The other nodes known to hold it now, or to be pulling it: providers found, then those that agreed. */
  hosts: Contact[]
}

export class Announcer {
  private readonly own = new Map<string, ProviderRecord>()
  private static readonly OWN_CAPACITY = 4096

  constructor (private readonly d: AnnouncerDeps) {}

  /** True when this node's endpoint can go into a record others accept (not 0.0.0.0 / ::). */
  canAnnounce (): boolean {
    const { address, port } = this.d.network.self.endpoint
    return port > 0 && address !== '0.0.0.0' && address !== '::'
  }

  /**
   * This node's record for a chunk, re-signed once half its life is gone or
   * when the node's endpoint changed; undefined while the endpoint is unknown.
   */
  selfRecord (chunkId: Buffer): ProviderRecord | undefined {
    if (!this.canAnnounce()) return undefined
    const hex = chunkId.toString('hex')
    const now = this.d.now()
    const self = this.d.network.self
    const endpoint = self.endpoint
    const have = this.own.get(hex)
    if (have !== undefined && have.expiresAt - now > this.d.ttlMs / 2 && sameIntroducers(have.provider.introducers, self.introducers) &&
      have.provider.endpoint.address === endpoint.address && have.provider.endpoint.port === endpoint.port) return have
    // A node behind a NAT names its introducers (network.self carries them), so fetchers can punch to it.
    const r = createProviderRecord(this.d.identity, endpoint, chunkId, now + this.d.ttlMs, self.introducers)
    this.own.delete(hex)
    this.own.set(hex, r)
    if (this.own.size > Announcer.OWN_CAPACITY) this.own.delete(this.own.keys().next().value as string)
    return r
  }

  /** Sends this node's record for one chunk to its closest nodes; resolves with how many kept it. */
  async announce (chunkId: Buffer, signal?: AbortSignal): Promise<number> {
    const record = this.selfRecord(chunkId)
    if (record === undefined) {
      // Bound to 0.0.0.0 and no public endpoint learnt yet: a record nobody could use.
      this.d.counters.announceFailures++
      return 0
    }
    this.d.records.add(record, this.d.now())
    this.d.counters.announcements++
    const self = this.d.network.self.id
    const closest = (await this.d.network.closest(chunkId, { signal, count: this.d.announceCount })).filter(c => !c.id.equals(self))
    const msg = encodeChunkMessage({ type: 'addProvider', record })
    const replies = await Promise.allSettled(closest.map(async c =>
      await this.d.network.request(c, CHUNK_SERVICE, msg, { signal, timeoutMs: this.d.requestTimeoutMs })))
    let kept = 0
    for (const r of replies) {
      this.d.counters.recordsSent++
      const m = r.status === 'fulfilled' ? tryDecode(decodeChunkMessage, r.value) : undefined
      if (m?.type === 'added' && m.accepted) kept++
      else this.d.counters.recordsRefused++
    }
    if (kept === 0) this.d.counters.announceFailures++
    return kept
  }

  async publish (ids: Buffer[], opts: PublishOptions = {}): Promise<PublishResult> {
    const progress: PublishProgress = { done: 0, total: ids.length, failed: 0 }
    await forEachLimit(ids, opts.concurrency ?? 4, opts.signal, async (id) => {
      let kept = 0
      try { kept = await this.announce(id, opts.signal) } catch { opts.signal?.throwIfAborted() }
      progress.done++
      if (kept === 0) progress.failed++
      opts.onProgress?.({ ...progress })
    })
    return { announced: progress.done - progress.failed, failed: progress.failed }
  }

  async checkAvailability (ids: Buffer[], opts: AvailabilityOptions = {}): Promise<Availability[]> {
    const target = opts.target ?? 3
    const out: Availability[] = new Array(ids.length)
    const progress: PublishProgress = { done: 0, total: ids.length, failed: 0 }
    const self = this.d.network.self.id.toString('hex')
    await forEachLimit(ids, opts.concurrency ?? 4, opts.signal, async (id, slot) => {
      const found = await findProviders(this.d.finder, id, { signal: opts.signal, want: target, thorough: true })
      const serving = new Set(found.records.map(r => r.provider.id.toString('hex')))
      const a: Availability = { id, providers: serving.size, announced: false, pushed: 0, hosts: found.records.filter(r => r.provider.id.toString('hex') !== self).map(contactOfRecord) }
      let have = serving.size
      if (have < target) {
        try { await this.announce(id, opts.signal); a.announced = true } catch { opts.signal?.throwIfAborted() }
        // The publisher holds its chunks: once announced, it is a provider too.
        if (a.announced && !serving.has(self)) have++
        const agreed = await this.push(id, target - have, serving, opts.signal)
        a.pushed = agreed.length
        a.hosts.push(...agreed)
      }
      out[slot] = a
      progress.done++
      if (have + a.pushed < target) progress.failed++
      opts.onProgress?.({ ...progress })
    })
    return out
  }

  /** Asks closest nodes that do not serve the chunk to pull it, until `wanted` agree; resolves with those that agreed. */
  async push (chunkId: Buffer, wanted: number, serving: Set<string>, signal?: AbortSignal): Promise<Contact[]> {
    const agreed: Contact[] = []
    if (wanted <= 0) return agreed
    const self = this.d.network.self.id
    let closest
    try { closest = await this.d.network.closest(chunkId, { signal }) } catch { signal?.throwIfAborted(); return agreed }
    const msg = encodeChunkMessage({ type: 'cacheRequest', chunkId })
    for (const c of closest) {
      if (agreed.length >= wanted) break
      if (c.id.equals(self) || serving.has(c.id.toString('hex'))) continue
      // Only nodes of lower rank take a request to cache (cache-admission.ts); an unverified rank reads 0.
      if (c.rank >= this.d.identity.rank) continue
      this.d.counters.cacheRequestsSent++
      try {
        const m = tryDecode(decodeChunkMessage, await this.d.network.request(c, CHUNK_SERVICE, msg, { signal, timeoutMs: this.d.requestTimeoutMs }))
        if (m?.type === 'cacheAck' && m.accepted) { agreed.push(c); this.d.counters.cacheRequestsAccepted++ }
      } catch {
        signal?.throwIfAborted()
      }
    }
    return agreed
  }
}

/** Runs `fn` over `items`, at most `limit` at once, stopping early on abort. */
export async function forEachLimit<T> (items: T[], limit: number, signal: AbortSignal | undefined, fn: (item: T, index: number) => Promise<void>): Promise<void> {
  let i = 0
  const lane = async (): Promise<void> => {
    while (i < items.length) {
      signal?.throwIfAborted()
      const k = i++
      await fn(items[k], k)
    }
  }
  await Promise.all(Array.from({ length: Math.max(1, Math.min(limit, items.length)) }, lane))
}

/** Whether a record's introducers are still the node's (else it is re-signed with the new ones). */
function sameIntroducers (a: readonly Introducer[] | undefined, b: readonly Introducer[] | undefined): boolean {
  const key = (l: readonly Introducer[] | undefined): string => (l ?? []).map(i => `${i.id.toString('hex')}@${i.endpoint.address}:${i.endpoint.port}`).join(',')
  return key(a) === key(b)
}
