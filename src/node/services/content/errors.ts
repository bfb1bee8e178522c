import { CodeOf, layerErrorClass } from '../../errors.js'

/** Stable codes of the file-system layer; tests and callers check these, never messages. */
export const FsErrorCode = {
  /** a path names nothing in the tree */
  NOT_FOUND: 'FS_NOT_FOUND',
  /** a path walks through, lists, or stats-as-directory something that is a file */
  NOT_A_DIRECTORY: 'FS_NOT_A_DIRECTORY',
  /** readFile on a directory */
  NOT_A_FILE: 'FS_NOT_A_FILE',
  /** a path with '.', '..', NUL or an over-long segment */
  BAD_PATH: 'FS_BAD_PATH',
  /** a name that cannot go into a directory record (empty, '/', NUL, '.', '..', > 255 bytes) */
  BAD_NAME: 'FS_BAD_NAME',
  /** the same path published twice, or a file where a directory is needed */
  PATH_CONFLICT: 'FS_PATH_CONFLICT',
  /** a decrypted record (directory, file header) does not decode */
  RECORD_MALFORMED: 'FS_RECORD_MALFORMED',
  /** a fetched chunk's bytes do not hash to the id asked for, or it does not decrypt with its key */
  CHUNK_MISMATCH: 'FS_CHUNK_MISMATCH',
  /** a read range outside the file */
  BAD_RANGE: 'FS_BAD_RANGE',
  /** a source file changed size or content while being published */
  SOURCE_CHANGED: 'FS_SOURCE_CHANGED',
  /** a limit (entries per directory, name bytes, blob size) exceeded */
  LIMIT: 'FS_LIMIT',
  /** a reference string that does not parse */
  REF_MALFORMED: 'FS_REF_MALFORMED',
  /** a reference with an unknown version */
  REF_VERSION: 'FS_REF_VERSION',
  /** a reference whose checksum does not match (typo or truncation) */
  REF_CHECKSUM: 'FS_REF_CHECKSUM'
} as const

export type FsErrorCodeValue = CodeOf<typeof FsErrorCode>

export const FsError = layerErrorClass<FsErrorCodeValue>('FsError')
export type FsError = InstanceType<typeof FsError>
