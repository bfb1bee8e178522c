import { CHUNK_MAX_PLAIN_BYTES } from '../../crypto/chunk-cipher.js'
import { FsError, FsErrorCode } from './errors.js'
import { FILE_HEADER_FIXED_BYTES, PART_ENTRY_MAX_BYTES } from './file-header.js'

export { MAX_BLOB_BYTES } from './location.js'

/** Longest name in a directory, in UTF-8 bytes (as most file systems). */
export const MAX_NAME_BYTES = 255
/** Most entries one directory record may hold; a bound on what the network feeds a reader. */
export const MAX_DIR_ENTRIES = 1_000_000
/** Deepest path a reader will walk. */
export const MAX_PATH_SEGMENTS = 256

/** Most parts one file-header chunk can list (1795 with 1 MiB chunks). */
export const MAX_PARTS_PER_HEADER = Math.floor((CHUNK_MAX_PLAIN_BYTES - FILE_HEADER_FIXED_BYTES) / PART_ENTRY_MAX_BYTES)

/**
 * Tunables of the publisher. Readers accept any values within the format's
 * bounds (they are recorded in the records), so these only shape new
 * publications; tests shrink them to exercise splitting and chaining cheaply.
 */
export interface FsLimits {
  /** Plaintext bytes of each part of a split blob (the last part may be shorter). */
  partBytes: number
  /** Most plaintext bytes packed into one shared chunk of small files. */
  packBytes: number
  /** Files up to this size are packed; bigger ones are split with a header. */
  smallFileMax: number
  /** Most parts listed per file-header chunk before chaining to the next. */
  partsPerHeader: number
}

export const DEFAULT_FS_LIMITS: Readonly<FsLimits> = Object.freeze({
  partBytes: CHUNK_MAX_PLAIN_BYTES,
  packBytes: CHUNK_MAX_PLAIN_BYTES,
  smallFileMax: CHUNK_MAX_PLAIN_BYTES,
  partsPerHeader: MAX_PARTS_PER_HEADER
})

export function resolveLimits (partial: Partial<FsLimits> = {}): FsLimits {
  const l = { ...DEFAULT_FS_LIMITS, ...partial }
  const ok = (v: number, lo: number, hi: number): boolean => Number.isInteger(v) && v >= lo && v <= hi
  if (!ok(l.partBytes, 1, CHUNK_MAX_PLAIN_BYTES) || !ok(l.packBytes, 1, CHUNK_MAX_PLAIN_BYTES) ||
      !ok(l.smallFileMax, 0, l.packBytes) || !ok(l.partsPerHeader, 1, MAX_PARTS_PER_HEADER)) {
    throw new FsError(FsErrorCode.LIMIT, `invalid file-system limits ${JSON.stringify(l)}`)
  }
  return l
}
