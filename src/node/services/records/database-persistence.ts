/**
 * A persistence hook (load / save / remove, the shape KvPersistence and the
 * names service's NamePersistence share) over one database of the node's
 * store: an lmdb Database with Buffer keys and values, as
 * store.openDatabase(name) opens it. Only the three calls below are used, so
 * this file does not import lmdb and tests can pass a Map-backed stand-in.
 *
 * Writes are lmdb's asynchronous batched puts: the in-memory state is the
 * truth while the node runs and the disk catches up within a transaction
 * (store.close() waits for them); `settled()` waits for them where a caller
 * is about to report a write as done. A write that fails is reported to `onError`
 * and never thrown into the caller, which is serving a network request.
 */

/** The part of an lmdb Database<Buffer, Buffer> this needs. */
export interface BinaryTable {
  getRange (options?: Record<string, never>): Iterable<{ key: unknown, value: unknown }>
  put (key: Buffer, value: Buffer): Promise<unknown>
  remove (key: Buffer): Promise<unknown>
}

export interface DatabasePersistence {
  /** Lazy: the caller's bound stops the scan without reading the rest. */
  load: () => Iterable<Uint8Array>
  save: (key: Buffer, encoded: Buffer) => void
  remove: (key: Buffer) => void
  /** Resolves once the writes made so far have committed (or failed, and were counted). */
  settled: () => Promise<void>
  /** Writes that failed so far. */
  readonly writeErrors: number
}

const defaultOnError = (err: unknown): void => {
  process.emitWarning(`a persistence write failed: ${err instanceof Error ? err.message : String(err)}`, { code: 'TORNET_PERSISTENCE_WRITE' })
}

export function databasePersistence (db: BinaryTable, onError: (err: unknown) => void = defaultOnError): DatabasePersistence {
  let writeErrors = 0
  const failed = (err: unknown): void => {
    writeErrors++
    try { onError(err) } catch { /* a reporter must not turn a failed write into a crash */ }
  }
  // Writes not yet committed; `settled` waits for the ones made before it was called.
  const pending = new Set<Promise<void>>()
  const write = (op: () => Promise<unknown>): void => {
    try {
      const p: Promise<void> = op().then(() => {}, failed).finally(() => { pending.delete(p) })
      pending.add(p)
    } catch (err) {
      failed(err) // lmdb throws synchronously on a closed database
    }
  }
  return {
    * load () {
      for (const { value } of db.getRange({})) {
        // Copied: a value may be a view of lmdb's reused read buffer. Anything but bytes
        // becomes an empty entry, which the loader counts as invalid.
        yield value instanceof Uint8Array ? Buffer.from(value) : Buffer.alloc(0)
      }
    },
    save: (key, encoded) => { write(() => db.put(key, encoded)) },
    remove: (key) => { write(() => db.remove(key)) },
    settled: async () => { await Promise.all([...pending]) },
    get writeErrors () { return writeErrors }
  }
}
