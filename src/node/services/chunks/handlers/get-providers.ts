import type { ChunkRequestHandler } from './chunk-request-deps.js'

/** GET_PROVIDERS → PROVIDERS, or NOT_FOUND(count); onQuery hears of it either way (demand). */
export const handleGetProviders: ChunkRequestHandler<'getProviders'> = (deps, m, ctx) => {
  deps.onQuery?.(m.chunkId, ctx.from)
  const records = deps.providerList(m.chunkId)
  if (records.length > 0) return { type: 'providers', records }
  deps.counters.notFoundAnswered++
  return { type: 'notFound', count: deps.noteMissing(m.chunkId) }
}
