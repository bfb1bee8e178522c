import type { ChunkDescriptor } from '../chunk-format.js'

/** Where a download stands, for a caller's progress display. */
export interface ChunkProgress {
  phase: 'providers' | 'descriptor' | 'slices' | 'done'
  /** Verified bytes so far, and the chunk's length once known (0 before). */
  bytes: number
  total: number
  providers: number
}

export interface GetOptions {
  /** The chunk's descriptor when the caller knows it (parts of split blobs): slices are checked against it. */
  descriptor?: ChunkDescriptor
  /**
   * The blob this chunk is a part of (with `descriptor`): the peers that served its other
   * parts are asked first, without a provider lookup (provider-hints.ts).
   */
  group?: string
  signal?: AbortSignal
  onProgress?: (p: ChunkProgress) => void
}
