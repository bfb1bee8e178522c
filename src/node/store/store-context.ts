import type { Database, RootDatabase } from 'lmdb'
import { StoreErrorCode, type WarningSink, storeError, storeErrorFrom } from './errors.js'

/** Raw bytes in, raw bytes out: every Tornet sub-database uses binary keys and values. */
export type BinaryDatabase = Database<Buffer, Buffer>

/** What the typed databases share: the environment, the clock, the warning sink. */
export interface StoreContext {
  readonly dir: string
  readonly env: RootDatabase<Buffer, Buffer>
  readonly warn: WarningSink
  readonly now: () => number
  readonly isClosed: () => boolean
}

export function assertOpen (ctx: StoreContext): void {
  if (ctx.isClosed()) throw storeError(StoreErrorCode.CLOSED, `The store in ${ctx.dir} is closed.`)
}

/**
 * Runs `fn` — which must only queue writes with `put`/`del` below and must not throw — as one
 * atomic LMDB write batch, committed on lmdb's writer thread in call order behind every earlier
 * write, and maps a failure to a TornetError. The promise settles once the transaction is
 * committed; with lmdb's default overlappingSync the fsync follows right after, and a crash
 * before it rolls back to the previous durable transaction, never to a torn one.
 * (A batch rather than `transaction(cb)`: the callback then runs at once on this thread and the
 * copy of megabyte values happens on lmdb's thread — measured about twice the throughput.)
 */
export async function writeTxn (ctx: StoreContext, doing: string, fn: () => void): Promise<void> {
  try {
    await ctx.env.batch(fn)
  } catch (err) {
    throw storeErrorFrom(err, ctx.dir, doing)
  }
}

const ignore = (): void => {}

/** A put inside writeTxn. Its own promise is the batch's; writeTxn reports the failure. */
export function put (db: BinaryDatabase, key: Buffer, value: Buffer): void {
  db.put(key, value).catch(ignore)
}

/** A delete inside writeTxn. */
export function del (db: BinaryDatabase, key: Buffer): void {
  db.remove(key).catch(ignore)
}

export function checkId (id: Uint8Array, what = 'id'): Buffer {
  if (!(id instanceof Uint8Array) || id.length !== 32) {
    throw storeError(StoreErrorCode.INVALID_ARGUMENT, `${what} must be 32 bytes`)
  }
  return Buffer.isBuffer(id) ? id : Buffer.from(id.buffer, id.byteOffset, id.length)
}
