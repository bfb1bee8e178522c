import type { RootDatabase } from 'lmdb'
import type { ChunkEnv } from './chunk-env.js'
import type { ChunkDatabases } from './chunk-index-loader.js'
import { StoreWarningCode, type WarningSink } from './errors.js'
import type { BinaryDatabase } from './store-context.js'

const BATCH = 32

/**
 * Store layout 1 kept the chunk databases (`chunks-local`, `chunks-cache`, `chunk-meta`) in the
 * main environment; layout 2 keeps them in their own (chunk-env.ts says why). On open this
 * moves every record over, a batch at a time: the batch is committed to the chunk environment
 * in one synchronous (fsynced) transaction, and only then deleted from the main one, so a crash
 * in between copies that batch again on the next open, and nothing is lost.
 * Returns the number of records moved.
 */
export function migrateLegacyChunks (main: RootDatabase<Buffer, Buffer>, legacy: ChunkDatabases, target: ChunkEnv, warn: WarningSink): number {
  let moved = 0
  const move = (from: BinaryDatabase, to: () => BinaryDatabase): void => {
    // Copy the keys out before any read: lmdb may reuse its key buffers.
    const keys = Array.from(from.getKeys(), (k) => Buffer.from(k as Uint8Array))
    for (let i = 0; i < keys.length; i += BATCH) {
      const batch: Array<[Buffer, Buffer | undefined]> = keys.slice(i, i + BATCH).map((k) => [k, from.getBinary(k)])
      target.env.transactionSync(() => {
        for (const [k, v] of batch) if (v !== undefined) to().putSync(k, v)
      })
      main.transactionSync(() => {
        for (const [k] of batch) from.removeSync(k)
      })
      moved += batch.length
    }
  }
  move(legacy.local, () => target.dbs.local)
  move(legacy.cache, () => target.dbs.cache)
  move(legacy.meta, () => target.dbs.meta)
  if (moved > 0) {
    warn({ code: StoreWarningCode.MIGRATED, message: `moved ${moved} chunk records to the chunk database (store layout 1 → 2)` })
  }
  return moved
}
