/**
 * The chunk exchange: find providers through the DHT, download slices from
 * several at once with every slice verified, serve and announce what this
 * node holds. The node wires createChunkService; the fs layer reads through
 * its `source`.
 */
export {
  createChunkService, type ChunkService, type ChunkServiceOptions, type ChunkServiceStats, type ChunkServiceStore,
  type ChunkNetworkSource, type CacheOnDemandOptions
} from './chunk-service.js'
export type { GetOptions, ChunkProgress } from './chunk-downloader.js'
export type { PublishOptions, PublishProgress, PublishResult, AvailabilityOptions, Availability } from './announcer.js'
export { BanList, type BanEntry } from './ban-list.js'
export { ChunkError, ChunkErrorCode } from './errors.js'
export { ProviderRecords } from './provider-records.js'
export { CHUNK_SERVICE, type ProviderRecord } from './messages.js'
export {
  type ChunkDescriptor, SLICE_BYTES, MAX_SLICES, describeChunk, verifySlice, verifyChunk, sliceBounds, chunkIdOf,
  encodeDescriptor, decodeDescriptor
} from './chunk-format.js'
