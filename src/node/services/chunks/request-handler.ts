import type { ServiceRequestContext } from '../service-network.js'
import { tryDecode } from '../../wire/codec.js'
import type { ChunkDescriptor } from './chunk-format.js'
import { type ChunkMessage, ErrorReason, type ProviderRecord, decodeChunkMessage, encodeChunkMessage } from './messages.js'
import type { ProviderRecords } from './provider-records.js'
import { type AdmissionPolicy, checkAnnouncedRecord } from './record-admission.js'

/**
 * Answers the chunk service's requests (see messages.ts). Decodes or refuses:
 * a malformed request gets ERROR(malformed) and is counted, a stopped service
 * ERROR(stopped); nothing thrown here reaches the network layer.
 *
 *   ADD_PROVIDER   → ADDED(1) when the record is the sender's own, passes
 *                    the admission policy (record-admission.ts) and was kept
 *   GET_PROVIDERS  → PROVIDERS, or NOT_FOUND(count); onQuery hears of it
 *   GET_DESCRIPTOR → DESCRIPTOR of a chunk held here, or NOT_FOUND(count)
 *   CACHE_REQUEST  → CACHE_ACK(1) when this node will pull the chunk
 */
export interface RequestHandlerDeps {
  records: ProviderRecords
  admission: AdmissionPolicy
  now: () => number
  /** What this node answers for a chunk (its own record first, when it holds the chunk). */
  providerList: (chunkId: Buffer) => ProviderRecord[]
  /** The descriptor of a chunk held here, or undefined. */
  describe: (chunkId: Buffer) => ChunkDescriptor | undefined
  /** Counts a request for a chunk that is not here; returns the count. */
  noteMissing: (chunkId: Buffer) => number
  /** A peer asked for providers of a chunk (demand, see cache-on-demand.ts). */
  onQuery?: (chunkId: Buffer, from: ServiceRequestContext['from']) => void
  /** A peer asks this node to pull and cache a chunk; true when it will. */
  onCacheRequest: (chunkId: Buffer, from: ServiceRequestContext['from']) => boolean
  isStopped: () => boolean
  counters: RequestCounters
}

export interface RequestCounters {
  malformedRequests: number
  recordsAccepted: number
  recordsRejected: number
  notFoundAnswered: number
  descriptorsServed: number
}

export function createRequestHandler (deps: RequestHandlerDeps): (payload: Buffer, ctx: ServiceRequestContext) => Promise<Uint8Array> {
  return async (payload, ctx) => {
    if (deps.isStopped()) return encodeChunkMessage({ type: 'error', reason: ErrorReason.stopped })
    const m = tryDecode(decodeChunkMessage, payload)
    if (m === undefined) {
      deps.counters.malformedRequests++
      return encodeChunkMessage({ type: 'error', reason: ErrorReason.malformed })
    }
    return encodeChunkMessage(answer(deps, m, ctx))
  }
}

function answer (deps: RequestHandlerDeps, m: ChunkMessage, ctx: ServiceRequestContext): ChunkMessage {
  switch (m.type) {
    case 'addProvider': {
      const now = deps.now()
      const ok = checkAnnouncedRecord(deps.admission, m.record, ctx.from, now) === undefined && deps.records.add(m.record, now)
      if (ok) deps.counters.recordsAccepted++
      else deps.counters.recordsRejected++
      return { type: 'added', accepted: ok }
    }
    case 'getProviders': {
      deps.onQuery?.(m.chunkId, ctx.from)
      const records = deps.providerList(m.chunkId)
      if (records.length > 0) return { type: 'providers', records }
      deps.counters.notFoundAnswered++
      return { type: 'notFound', count: deps.noteMissing(m.chunkId) }
    }
    case 'getDescriptor': {
      const descriptor = deps.describe(m.chunkId)
      if (descriptor !== undefined) {
        deps.counters.descriptorsServed++
        return { type: 'descriptor', descriptor }
      }
      deps.counters.notFoundAnswered++
      return { type: 'notFound', count: deps.noteMissing(m.chunkId) }
    }
    case 'cacheRequest':
      return { type: 'cacheAck', accepted: deps.onCacheRequest(m.chunkId, ctx.from) }
    default:
      // A reply type sent as a request.
      deps.counters.malformedRequests++
      return { type: 'error', reason: ErrorReason.malformed }
  }
}
