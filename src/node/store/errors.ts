import { TornetError, tornetError, type ErrorFactory } from '../errors.js'

/** Stable codes of the store; tests and callers match on these, never on text. */
export const StoreErrorCode = {
  /** Another live process (or another openStore in this one) holds the store directory. */
  LOCKED: 'STORE_LOCKED',
  /** LMDB could not grow its memory map or the disk is full. */
  FULL: 'STORE_FULL',
  /** The directory cannot be created, read or written (permissions, read-only file system). */
  ACCESS: 'STORE_ACCESS',
  /** The data file is not an LMDB file we can read, or was written by a newer Tornet. */
  CORRUPT: 'STORE_CORRUPT',
  /** The store was closed; the call came too late. */
  CLOSED: 'STORE_CLOSED',
  /** Any other failure of the database engine. */
  IO: 'STORE_IO',
  /** A caller passed a malformed id, size or option. */
  INVALID_ARGUMENT: 'STORE_INVALID_ARGUMENT',
  /** A chunk's bytes do not hash to the id it was offered under; it was not stored. */
  CHUNK_HASH_MISMATCH: 'CHUNK_HASH_MISMATCH',
  /** A chunk larger than MAX_CHUNK_BYTES. */
  CHUNK_TOO_LARGE: 'CHUNK_TOO_LARGE'
} as const

export type StoreErrorCode = typeof StoreErrorCode[keyof typeof StoreErrorCode]

export const storeError: ErrorFactory<StoreErrorCode> = tornetError

/** Something the store noticed and survived (a record that failed to decode, a failed flush). */
export interface StoreWarning {
  code: string
  message: string
  cause?: unknown
}

export type WarningSink = (w: StoreWarning) => void

/** Warning codes (not thrown; passed to the `onWarning` sink). */
export const StoreWarningCode = {
  PEER_RECORD_CORRUPT: 'STORE_PEER_RECORD_CORRUPT',
  CHUNK_META_CORRUPT: 'STORE_CHUNK_META_CORRUPT',
  CHUNK_META_REPAIRED: 'STORE_CHUNK_META_REPAIRED',
  CHUNK_CORRUPT: 'STORE_CHUNK_CORRUPT',
  FLUSH_FAILED: 'STORE_FLUSH_FAILED',
  STALE_LOCK: 'STORE_STALE_LOCK',
  MIGRATED: 'STORE_MIGRATED'
} as const

/**
 * Turns an error thrown by lmdb (or the file system under it) into a TornetError that tells
 * the user what to do. lmdb's errors carry the LMDB or errno name in their message text, which
 * is the only stable thing to match on.
 */
export function storeErrorFrom (err: unknown, dir: string, doing: string): TornetError {
  if (err instanceof TornetError) return err
  const text = err instanceof Error ? `${(err as NodeJS.ErrnoException).code ?? ''} ${err.message}` : String(err)
  if (/MDB_MAP_FULL|MDB_MAP_RESIZED|ENOMEM|Cannot allocate memory|mapsize/i.test(text)) {
    return storeError(StoreErrorCode.FULL,
      `The store in ${dir} could not grow while ${doing}: the memory map is full. ` +
      'Free disk space, lower the cache size, or pass a larger mapSize.', err)
  }
  if (/ENOSPC|No space left|EDQUOT|quota/i.test(text)) {
    return storeError(StoreErrorCode.FULL,
      `The disk holding ${dir} is full (while ${doing}). Free some space or lower the cache size.`, err)
  }
  if (/EACCES|EPERM|EROFS|ENOTDIR|EISDIR|Permission denied|Read-only file system|Not a directory/i.test(text)) {
    return storeError(StoreErrorCode.ACCESS,
      `Cannot write the store in ${dir} (while ${doing}): permission denied, read-only file system, or a file where a directory should be. ` +
      'Choose a data directory you own.', err)
  }
  if (/MDB_INVALID|MDB_VERSION_MISMATCH|MDB_CORRUPTED|MDB_PAGE_NOTFOUND/i.test(text)) {
    return storeError(StoreErrorCode.CORRUPT,
      `The database file in ${dir}/db is damaged or not an LMDB file (while ${doing}). ` +
      'Move it aside to start with an empty store.', err)
  }
  return storeError(StoreErrorCode.IO, `The store in ${dir} failed while ${doing}: ${text.trim()}`, err)
}
