/**
 * The content-addressed file system: publish a file or a tree into chunks,
 * open it again by reference. Pure apart from the injected sink, source and
 * index (and reading the disk when publishing a path).
 */
export { publish, type PublishOptions, type PublishProgress } from './publish.js'
export type { PublishEntry, PublishFile, PublishDirectory } from './publish-entry.js'
export { openReference, TornetFs, type FsStat, type ReadFileOptions, type OpenReferenceOptions } from './reader.js'
export { formatReference, parseReference, isReferenceHost, type Reference, REFERENCE_VERSION } from './reference.js'
export { type ChunkSink } from './chunk-writer.js'
export { type ChunkSource, type ChunkGetOptions, ChunkFetcher } from './chunk-fetcher.js'
export { type LocationIndex, MemoryLocationIndex } from './location-index.js'
export { type Location, encodeLocation, decodeLocation, LOCATION_BYTES } from './location.js'
export { DirectoryView } from './directory-view.js'
export { type DirectoryEntry, type EntryKind } from './directory-record.js'
export { type RandomAccess, bufferAccess } from './blob-access.js'
export { type FsLimits, DEFAULT_FS_LIMITS } from './limits.js'
export { FsError, FsErrorCode } from './errors.js'
