import type { ChunkRequestHandler } from './chunk-request-deps.js'

/** GET_DESCRIPTOR → DESCRIPTOR of a chunk held here, or NOT_FOUND(count). */
export const handleGetDescriptor: ChunkRequestHandler<'getDescriptor'> = (deps, m) => {
  const descriptor = deps.describe(m.chunkId)
  if (descriptor !== undefined) {
    deps.counters.descriptorsServed++
    return { type: 'descriptor', descriptor }
  }
  deps.counters.notFoundAnswered++
  return { type: 'notFound', count: deps.noteMissing(m.chunkId) }
}
