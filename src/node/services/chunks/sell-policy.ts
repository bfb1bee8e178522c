import { log2Distance } from '../../routing/distance.js'
import { TokenBucket } from '../token-bucket.js'

/**
 * What a node sells (the seed's "Chunk Lookup": "each node specifies a certain amount of
 * upload bandwidth and storage that they desire to sell", and "how far (range) it will serve
 * chunks for and also the min popularity of the chunks it will serve"), as the chunk service
 * applies it where requests and offers arrive:
 *
 *  - `bandwidth`: bytes a second of slices served to others; a request past the budget waits
 *    until the budget has room (paced, not refused: the downloader's other providers keep
 *    going meanwhile). 0: no limit.
 *  - `range`: the chunks this node caches for others (on demand, on a publisher's cache
 *    request, on a paid publish offer): those whose id is within this many bits of the node's,
 *    the bit length of NID ⊕ CID (0..256; 256: any chunk). Its own content is always served.
 *  - `minPopularity`: distinct askers with standing (decaying with the demand half-life, an
 *    hour) a chunk needs before this node caches it on demand or takes a free cache request.
 *    A paid publish offer is not held to it: the publisher pays for the place instead.
 *  - `storagePrice`: credit units per byte per week of storage sold, what a paid publish offer
 *    and a key/value record cost at least (the seed: kv records "are subject to the same market
 *    principles as the content addressable storage").
 * The storage sold is the cache's bound (config `sell.storage`, applied by the store).
 */
export interface SellOptions {
  bandwidth?: number
  range?: number
  minPopularity?: number
  storagePrice?: number
}

export const DEFAULT_STORAGE_PRICE = 1
export const FULL_RANGE = 256

/** True when chunk `chunkId` is within `range` bits of node `selfId` (the bit length of their XOR). */
export function inRange (selfId: Uint8Array, chunkId: Uint8Array, range = FULL_RANGE): boolean {
  return range >= FULL_RANGE || log2Distance(selfId, chunkId) <= range
}

/** Credit units `bytes` stored for `ms` cost at `pricePerByteWeek` (whole units, at least 1 for any bytes). */
export function storageCost (bytes: number, ms: number, pricePerByteWeek: number): number {
  if (bytes <= 0 || ms <= 0 || pricePerByteWeek <= 0) return 0
  return Math.max(1, Math.ceil(bytes * pricePerByteWeek * ms / (7 * 24 * 3_600_000)))
}

/**
 * A token bucket over served bytes (token-bucket.ts): `bytesPerSecond` refill, at most one
 * second's worth kept. `reserve(bytes)` takes the bytes at once (the bucket may go into debt)
 * and says how long the caller must wait before sending them, so requests are paced in arrival
 * order. A rate of 0 or less: no limit.
 */
export class BandwidthBudget {
  private readonly bucket?: TokenBucket

  constructor (o: { bytesPerSecond: number, now: () => number }) {
    if (o.bytesPerSecond > 0) this.bucket = new TokenBucket(o.bytesPerSecond, Math.max(1, o.bytesPerSecond), o.now)
  }

  /** Milliseconds to wait before sending `bytes` (0: at once); the bytes are taken either way. */
  reserve (bytes: number): number { return this.bucket?.reserve(bytes) ?? 0 }
}
