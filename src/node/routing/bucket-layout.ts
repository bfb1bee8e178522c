import { bitsAt, commonPrefixLength, ID_BITS } from './distance.js'

/**
 * Where a contact lives in a node's table. Contacts are grouped by level, the
 * common-prefix length with our own id (level L holds the half of the
 * remaining space that differs from us at bit L). Each level is refined into
 * 2^s sub-buckets by the s bits that follow the differing bit, each holding
 * up to k contacts: Kademlia's "accelerated lookups" (section 4.2 of the
 * paper). A hop then resolves about s + 1 + log2(k) bits instead of
 * 1 + log2(k), which is what brings a million-node lookup to about three
 * hops. Both the object table (routing-table.ts) and the simulator's compact
 * tables place contacts with these functions.
 */
export interface BucketLayoutOptions {
  /** Contacts per (sub-)bucket. */
  k: number
  /** Refinement bits per level (0 = plain Kademlia). */
  subBucketBits: number
}

export const DEFAULT_LAYOUT: BucketLayoutOptions = { k: 20, subBucketBits: 2 }

export interface BucketRef {
  level: number
  sub: number
}

/** The bucket of `id` in the table of `self`; undefined for our own id. */
export function bucketOf (self: Uint8Array, id: Uint8Array, subBucketBits: number): BucketRef | undefined {
  const level = commonPrefixLength(self, id)
  if (level >= ID_BITS) return undefined
  return { level, sub: bitsAt(id, level + 1, subBucketBits) }
}

/** Index of a bucket in a flat per-level array. */
export function bucketIndex (ref: BucketRef, subBucketBits: number): number {
  return ref.level * (1 << subBucketBits) + ref.sub
}

/**
 * A random id that falls into bucket `ref` of `self`'s table: our first
 * `level` bits, the opposite bit at `level`, the sub-bucket bits, then random.
 * Used to refresh a stale bucket by looking that id up.
 */
export function randomIdInBucket (self: Uint8Array, ref: BucketRef, subBucketBits: number, random: Uint8Array): Buffer {
  const out = Buffer.from(random.subarray(0, 32))
  const setBit = (i: number, v: number): void => {
    if (i >= ID_BITS) return
    const mask = 0x80 >> (i & 7)
    out[i >> 3] = v !== 0 ? (out[i >> 3] | mask) : (out[i >> 3] & ~mask)
  }
  for (let i = 0; i < ref.level; i++) setBit(i, (self[i >> 3] >> (7 - (i & 7))) & 1)
  setBit(ref.level, ((self[ref.level >> 3] >> (7 - (ref.level & 7))) & 1) ^ 1)
  for (let j = 0; j < subBucketBits; j++) setBit(ref.level + 1 + j, (ref.sub >> (subBucketBits - 1 - j)) & 1)
  return out
}
