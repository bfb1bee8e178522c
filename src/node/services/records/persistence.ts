/**
 * The hook a record kind persists through (the node backs it with one LMDB
 * database, see database-persistence.ts; tests with a Map): held records and
 * owned records each get one. Keys are the record's 32-byte location, values
 * the bytes replicas exchange, so a record on disk is a record on the wire.
 */
export interface RecordPersistence {
  /** Every saved record, encoded; read once, at construction. May be lazy: loading stops at its bound. */
  load: () => Iterable<Uint8Array>
  save: (location: Buffer, encoded: Buffer) => void
  remove: (location: Buffer) => void
  /**
   * Optional: resolves once every save and remove made so far is on disk (or failed and was
   * reported). Whoever tells a user "done" awaits it first: a write still queued when the
   * process dies is lost, and the user was told otherwise.
   */
  settled?: () => Promise<void>
}

/** What a load found. Nothing on disk can make start-up fail: what is unusable is counted here. */
export interface RecordLoadStats {
  loaded: number
  /** Records past their expiry (or over the size limits); removed from the disk. */
  expired: number
  /** Entries that did not decode or verify (left on disk: another version or config may read them). */
  invalid: number
  /** True when loading stopped at the bound with entries left unread. */
  truncated: boolean
}

export function emptyLoadStats (): RecordLoadStats {
  return { loaded: 0, expired: 0, invalid: 0, truncated: false }
}
