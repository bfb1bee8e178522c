import type { Contact } from '../../routing/contact.js'
import type { NotFoundStop } from '../../routing/lookup-types.js'
import { tryDecode } from '../../wire/codec.js'
import { type ServiceNetwork, VALUE_KIND } from '../service-network.js'
import { CHUNK_SERVICE, type ProviderRecord, decodeChunkMessage, decodeProviderList, encodeChunkMessage } from './messages.js'
import { checkProviderRecord, contactOfRecord } from './provider-record.js'

/**
 * Who serves a chunk: a FIND_VALUE for its provider records (the lookup
 * stops at the first node holding any: one of the k closest, or a node on
 * the way that caches the chunk), and when that finds nothing, GET_PROVIDERS
 * to the closest nodes themselves, a few at a time. Every record is checked
 * (id, expiry, signature) before its provider is used; records that fail are
 * dropped silently, as any untrusted bytes. NOT_FOUND answers carry the
 * seed's not-found count; the highest one heard is returned.
 *
 * The seed's early stop: with `notFoundStop`, the FIND_VALUE ends once a
 * quorum of the closest nodes report that many distinct peers asked them for
 * the chunk in vain, and then GET_PROVIDERS is not sent either: the nodes it
 * would ask are those same closest nodes, which just said they lack it. A
 * `thorough` search (a publisher counting who serves its chunks) never stops
 * early: interest in a chunk before it was published is no reason to miss it.
 *
 * FIND_VALUE answers from this node's own table when that holds the key; that
 * table is one node's view, so when it yields fewer than `want` providers the
 * closest nodes are asked as well.
 */
export interface ProviderFinderDeps {
  network: ServiceNetwork
  now: () => number
  requestTimeoutMs: number
  /** How many of the closest nodes the fallback asks at most. */
  fallbackQueries: number
  /** How many it asks at once. */
  fallbackParallel: number
  /** Whether a record may be used (rank, endpoint scope: record-admission.ts); default: it verifies. */
  usable?: (r: ProviderRecord, now: number, chunkId: Buffer) => boolean
  /** End lookups early on a key the closest nodes report as widely missing (see above); off when absent. */
  notFoundStop?: NotFoundStop
  /** Told when this node's own FIND_VALUE for a chunk starts and ends (its own query is no demand). */
  onLookup?: (chunkId: Buffer, running: boolean) => void
}

export interface FoundProviders {
  /** Checked records, one per provider, in the order found. */
  records: ProviderRecord[]
  /** The highest not-found count any asked node reported. */
  notFound: number
  /** The lookup ended on notFoundStop (and the GET_PROVIDERS fallback was skipped). */
  stoppedEarly: boolean
}

export async function findProviders (
  deps: ProviderFinderDeps,
  chunkId: Buffer,
  opts: { signal?: AbortSignal, want: number, skip?: (id: Buffer) => boolean, thorough?: boolean }
): Promise<FoundProviders> {
  const found = new Map<string, ProviderRecord>()
  let notFound = 0
  const usable = deps.usable ?? ((r, now, id) => checkProviderRecord(r, now, id) === undefined)
  const take = (records: ProviderRecord[]): void => {
    const now = deps.now()
    for (const r of records) {
      const hex = r.provider.id.toString('hex')
      if (found.has(hex) || opts.skip?.(r.provider.id) === true) continue
      if (usable(r, now, chunkId)) found.set(hex, r)
    }
  }

  let local = false
  let stoppedEarly = false
  const notFoundStop = opts.thorough === true ? undefined : deps.notFoundStop
  deps.onLookup?.(chunkId, true)
  try {
    const v = await deps.network.findValue(chunkId, VALUE_KIND.chunkProviders, {
      signal: opts.signal,
      notFoundStop,
      onNoValue: (m) => { notFound = Math.max(notFound, m.notFound); stoppedEarly = m.stoppedEarly }
    })
    if (v !== undefined) {
      take(tryDecode(decodeProviderList, v.value) ?? [])
      local = v.from.id.equals(deps.network.self.id)
    }
  } catch {
    // A failed lookup is a lookup that found nothing; the fallback below still runs.
    opts.signal?.throwIfAborted()
  } finally {
    deps.onLookup?.(chunkId, false)
  }
  // Our own table answers first (the DHT asks the local provider before the network); unless
  // it is enough, the closest nodes know more. `thorough` asks them whenever there are too few.
  const enough = found.size >= opts.want || (found.size > 0 && !local && opts.thorough !== true)
  if (enough || stoppedEarly) return { records: [...found.values()], notFound, stoppedEarly }

  let closest: Contact[] = []
  try {
    closest = (await deps.network.closest(chunkId, { signal: opts.signal })).slice(0, deps.fallbackQueries)
  } catch {
    opts.signal?.throwIfAborted()
  }
  const request = encodeChunkMessage({ type: 'getProviders', chunkId })
  for (let i = 0; i < closest.length && found.size < opts.want; i += deps.fallbackParallel) {
    const wave = closest.slice(i, i + deps.fallbackParallel)
    const replies = await Promise.allSettled(wave.map(async c =>
      await deps.network.request(c, CHUNK_SERVICE, request, { signal: opts.signal, timeoutMs: deps.requestTimeoutMs })))
    opts.signal?.throwIfAborted()
    for (const r of replies) {
      if (r.status !== 'fulfilled') continue
      const m = tryDecode(decodeChunkMessage, r.value)
      if (m?.type === 'providers') take(m.records)
      else if (m?.type === 'notFound') notFound = Math.max(notFound, m.count)
    }
  }
  return { records: [...found.values()], notFound, stoppedEarly }
}

export function providersOf (records: ProviderRecord[]): Contact[] {
  return records.map(contactOfRecord)
}
