import type { ChunkRequestHandler } from './chunk-request-deps.js'

/** PUBLISH_OFFER → PUBLISH_REPLY once the chunk is pulled and kept (or refused; paid-hosting.ts). */
export const handlePublishOffer: ChunkRequestHandler<'publishOffer'> = async (deps, m, ctx) => await deps.onPublishOffer(m, ctx.from)
