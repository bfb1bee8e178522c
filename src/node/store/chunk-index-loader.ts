import { tryDecode } from '../wire/codec.js'
import { ChunkIndex, type IndexEntry } from './chunk-index.js'
import { type ChunkMeta, type Placement, decodeChunkMeta, encodeChunkMeta } from './chunk-meta-codec.js'
import { StoreWarningCode } from './errors.js'
import type { BinaryDatabase, StoreContext } from './store-context.js'

export interface ChunkDatabases {
  local: BinaryDatabase
  cache: BinaryDatabase
  meta: BinaryDatabase
}

/**
 * Rebuilds the in-memory chunk index from disk, and repairs what does not add up. The chunk
 * databases' keys are the truth ("these bytes are stored"); `chunk-meta` only adds size,
 * placement and heat. Writes go in one transaction, so disagreement means damage or a
 * foreign writer, but it is cheap to fix on open:
 *  - a chunk without a (decodable, agreeing) meta record gets a fresh one, heat 0;
 *  - a chunk in both databases keeps the local copy;
 *  - a meta record without a chunk is removed.
 * Costs one pass over the keys of each database (values of the small meta records only).
 */
export function loadChunkIndex (ctx: StoreContext, dbs: ChunkDatabases, priceOf: (id: Buffer) => number): ChunkIndex {
  const metas = new Map<string, ChunkMeta | undefined>()
  for (const { key, value } of dbs.meta.getRange()) {
    const hex = Buffer.from(key).toString('hex')
    const m = tryDecode(decodeChunkMeta, value)
    if (m === undefined) {
      ctx.warn({ code: StoreWarningCode.CHUNK_META_CORRUPT, message: `chunk meta for ${hex} does not decode; rebuilding it` })
    }
    metas.set(hex, m)
  }

  const index = new ChunkIndex()
  const now = ctx.now()
  const fixMeta: Array<{ id: Buffer, meta: ChunkMeta }> = []
  const dropCache: Buffer[] = []

  const admit = (placement: Placement, db: BinaryDatabase): void => {
    // Copy the keys out before any get: lmdb may reuse its key buffers across reads.
    const keys = Array.from(db.getKeys(), (k) => Buffer.from(k as Uint8Array))
    for (const id of keys) {
      const hex = id.toString('hex')
      if (index.get(hex) !== undefined) { dropCache.push(id); continue } // in both: keep local
      let m = metas.get(hex)
      if (m === undefined || m.placement !== placement) {
        const size = db.getBinaryFast(id)?.length ?? 0
        m = { placement, size, score: m?.score ?? 0, at: m?.at ?? now }
        fixMeta.push({ id, meta: m })
        ctx.warn({ code: StoreWarningCode.CHUNK_META_REPAIRED, message: `chunk ${hex}: meta rebuilt from the ${placement} database` })
      }
      metas.delete(hex)
      const entry: IndexEntry = { id, placement, size: m.size, heat: { score: m.score, at: m.at }, price: priceOf(id) }
      if (m.paidUntil !== undefined && placement === 'cache') entry.paidUntil = m.paidUntil
      index.add(hex, entry)
    }
  }
  admit('local', dbs.local)
  admit('cache', dbs.cache)

  const orphans = [...metas.keys()] // meta records whose chunk is in neither database
  if (fixMeta.length > 0 || dropCache.length > 0 || orphans.length > 0) {
    ctx.env.transactionSync(() => {
      for (const f of fixMeta) dbs.meta.putSync(f.id, encodeChunkMeta(f.meta))
      for (const id of dropCache) dbs.cache.removeSync(id)
      for (const hex of orphans) dbs.meta.removeSync(Buffer.from(hex, 'hex'))
    })
  }
  return index
}
