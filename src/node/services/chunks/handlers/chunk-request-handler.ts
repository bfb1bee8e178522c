import type { ServiceRequestContext } from '../../service-network.js'
import { tryDecode } from '../../../wire/codec.js'
import { type ChunkMessage, ErrorReason, decodeChunkMessage, encodeChunkMessage } from '../messages.js'
import { handleAddProvider } from './add-provider.js'
import { handleCacheRequest } from './cache-request.js'
import type { ChunkRequestDeps, ChunkRequestHandler } from './chunk-request-deps.js'
import { handleGetDescriptor } from './get-descriptor.js'
import { handleGetProviders } from './get-providers.js'
import { handleHasChunk } from './has-chunk.js'
import { handlePublishOffer } from './publish-offer.js'

export type { ChunkRequestDeps, ChunkRequestCounters } from './chunk-request-deps.js'

/** The requests a peer may send, each to its handler; the other message types are replies. */
type RequestType = 'addProvider' | 'getProviders' | 'getDescriptor' | 'cacheRequest' | 'hasChunk' | 'publishOffer'
const HANDLERS: { [T in RequestType]: ChunkRequestHandler<T> } = {
  addProvider: handleAddProvider,
  getProviders: handleGetProviders,
  getDescriptor: handleGetDescriptor,
  cacheRequest: handleCacheRequest,
  hasChunk: handleHasChunk,
  publishOffer: handlePublishOffer
}

/**
 * Answers the chunk service's requests (see messages.ts). Decodes or refuses:
 * a malformed request gets ERROR(malformed) and is counted, a stopped service
 * ERROR(stopped); nothing thrown here reaches the network layer.
 */
export function createChunkRequestHandler (deps: ChunkRequestDeps): (payload: Buffer, ctx: ServiceRequestContext) => Promise<Uint8Array> {
  return async (payload, ctx) => {
    if (deps.isStopped()) return encodeChunkMessage({ type: 'error', reason: ErrorReason.stopped })
    const m = tryDecode(decodeChunkMessage, payload)
    if (m === undefined) {
      deps.counters.malformedRequests++
      return encodeChunkMessage({ type: 'error', reason: ErrorReason.malformed })
    }
    return encodeChunkMessage(await answer(deps, m, ctx))
  }
}

async function answer (deps: ChunkRequestDeps, m: ChunkMessage, ctx: ServiceRequestContext): Promise<ChunkMessage> {
  if (!Object.hasOwn(HANDLERS, m.type)) {
    // A reply type sent as a request.
    deps.counters.malformedRequests++
    return { type: 'error', reason: ErrorReason.malformed }
  }
  const handle = HANDLERS[m.type as RequestType] as ChunkRequestHandler<RequestType>
  // A handler that throws (none should) is an answer of its own, never an exception in the network layer.
  try { return await handle(deps, m as never, ctx) } catch { return { type: 'error', reason: ErrorReason.stopped } }
}
