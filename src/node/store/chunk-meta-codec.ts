import { Reader, WireError, Writer } from '../wire/codec.js'

/**
 * The record kept for every stored chunk in the `chunk-meta` database, keyed by chunk id.
 * Fixed layout, little-endian, 22 bytes (version 1) or 30 (version 2):
 *
 *   u8   version      = 1 | 2
 *   u8   placement    0 = local (published or pinned, never evicted), 1 = cache
 *   u32  size         length of the chunk's bytes
 *   f64  heat score   decayed access count at `at` (see cache-value.ts); finite, ≥ 0
 *   u64  at           ms since the epoch of the last access (or of storing)
 *   u64  paid until   version 2 only: a publisher paid for the cached chunk's place until
 *                     then (ms since the epoch); it is not evicted before
 *
 * A record without a paid place is written as version 1, so stores stay readable by older code.
 *
 * The bytes themselves live in `chunks-local` or `chunks-cache` under the same key; the
 * placement here says which. Both are written in one transaction.
 */
export const CHUNK_META_VERSION = 1
export const CHUNK_META_BYTES = 22
export const CHUNK_META_PAID_VERSION = 2
export const CHUNK_META_PAID_BYTES = 30

export type Placement = 'local' | 'cache'

export interface ChunkMeta {
  placement: Placement
  size: number
  score: number
  at: number
  /** A publisher paid for the chunk's place in the cache until then (ms since the epoch). */
  paidUntil?: number
}

export function encodeChunkMeta (m: ChunkMeta): Buffer {
  const f = Buffer.allocUnsafe(8)
  f.writeDoubleLE(m.score, 0)
  const paid = m.paidUntil !== undefined && m.paidUntil > 0
  const w = new Writer(paid ? CHUNK_META_PAID_BYTES : CHUNK_META_BYTES)
    .u8(paid ? CHUNK_META_PAID_VERSION : CHUNK_META_VERSION)
    .u8(m.placement === 'local' ? 0 : 1)
    .u32(m.size)
    .bytes(f)
    .u64(Math.max(0, Math.floor(m.at)))
  if (paid) w.u64(Math.floor(m.paidUntil as number))
  return w.finish()
}

export function decodeChunkMeta (b: Uint8Array): ChunkMeta {
  const r = new Reader(b, 'chunk meta')
  const version = r.u8()
  if (version !== CHUNK_META_VERSION && version !== CHUNK_META_PAID_VERSION) throw new WireError(`chunk meta: unknown version ${version}`)
  const p = r.u8()
  if (p > 1) throw new WireError(`chunk meta: bad placement ${p}`)
  const size = r.u32()
  const score = r.bytes(8).readDoubleLE(0)
  if (!Number.isFinite(score) || score < 0) throw new WireError('chunk meta: bad heat score')
  const at = r.u64()
  const paidUntil = version === CHUNK_META_PAID_VERSION ? r.u64() : undefined
  r.end()
  const m: ChunkMeta = { placement: p === 0 ? 'local' : 'cache', size, score, at }
  if (paidUntil !== undefined && paidUntil > 0) m.paidUntil = paidUntil
  return m
}
