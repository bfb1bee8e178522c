import type { ChunkRequestHandler } from './chunk-request-deps.js'

/** CACHE_REQUEST → CACHE_ACK(1) when this node will pull the chunk (who may ask: cache-admission.ts). */
export const handleCacheRequest: ChunkRequestHandler<'cacheRequest'> = (deps, m, ctx) =>
  ({ type: 'cacheAck', accepted: deps.onCacheRequest(m.chunkId, ctx.from) })
