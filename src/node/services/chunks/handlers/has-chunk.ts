import type { ChunkRequestHandler } from './chunk-request-deps.js'

/** HAS_CHUNK → HOSTING: whether the chunk is held here, and the slice bytes of it served (a publisher's hourly check). */
export const handleHasChunk: ChunkRequestHandler<'hasChunk'> = (deps, m) => ({ type: 'hosting', ...deps.hosting(m.chunkId) })
