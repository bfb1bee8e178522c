import { AccountingError, AccountingErrorCode } from './errors.js'

/**
 * Prices in credit units. The seed charges BYTES × (160 − log2(NID ⊕ CID)); our ids have 256
 * bits, so a byte of a chunk costs 256 − ⌊log2(NID ⊕ CID)⌋: 1 unit from a node whose id is as
 * far from the chunk as ids get (a cached copy anywhere), up to 256 from the node whose id is
 * the chunk's (its source). Buyers therefore prefer far, cached copies, and a node earns more
 * for keeping what is near its id, which is what makes anyone store rare chunks.
 *
 * The price is a pure function of two public ids, so a buyer computes it from the provider
 * record it already holds and no seller can quote one price and charge another.
 */

/** Why credit moved: every ledger entry names one. Stored as the index, so append only. */
export const Cause = {
  chunkSlice: 0,
  lookup: 1,
  kv: 2,
  radioSegment: 3,
  mailPush: 4,
  tunnelCell: 5
} as const
export type CauseValue = typeof Cause[keyof typeof Cause]
export const CAUSE_COUNT = 6
export const CAUSE_NAMES: readonly string[] = ['chunk-slice', 'lookup', 'kv', 'radio-segment', 'mail-push', 'tunnel-cell']

/** The highest price per byte (the chunk's own node). */
export const MAX_BYTE_PRICE = 256

/** Credit units per byte of chunk `chunkId` served by node `nodeId` (both 32 bytes): 1..256. */
export function chunkBytePrice (nodeId: Uint8Array, chunkId: Uint8Array): number {
  if (nodeId.length !== 32 || chunkId.length !== 32) {
    throw new AccountingError(AccountingErrorCode.INVALID_ARGUMENT, 'node and chunk ids must be 32 bytes')
  }
  for (let i = 0; i < 32; i++) {
    const x = nodeId[i] ^ chunkId[i]
    if (x !== 0) {
      // ⌊log2⌋ of the xor: the index of its highest set bit, counted from the low end.
      const log2 = (31 - i) * 8 + (31 - Math.clz32(x))
      return MAX_BYTE_PRICE - log2
    }
  }
  return MAX_BYTE_PRICE // the same id: log2(0) is −∞, capped at the top price
}

/** What `bytes` of chunk `chunkId` from node `nodeId` cost, in credit units. */
export function chunkPrice (nodeId: Uint8Array, chunkId: Uint8Array, bytes: number): number {
  if (!Number.isSafeInteger(bytes) || bytes < 0) throw new AccountingError(AccountingErrorCode.INVALID_ARGUMENT, `bad byte count ${bytes}`)
  return bytes * chunkBytePrice(nodeId, chunkId)
}

/**
 * Services other than chunks charge a flat unit per byte until their own issues price them by
 * depth and hop (radio, tunnels): a lookup or record is priced like the cheapest cached byte.
 */
export function flatPrice (bytes: number): number {
  if (!Number.isSafeInteger(bytes) || bytes < 0) throw new AccountingError(AccountingErrorCode.INVALID_ARGUMENT, `bad byte count ${bytes}`)
  return bytes
}

/**
 * Providers of a chunk, cheapest first (a stable sort: equal prices keep the finder's order).
 * Prices differ by the provider's distance to the chunk, so cached copies far from the source
 * go first and the source, the dearest, last: the seed's reason caching spreads.
 */
export function cheapestFirst<T extends { id: Uint8Array }> (chunkId: Uint8Array, providers: T[]): T[] {
  return providers
    .map((p, i) => ({ p, i, price: p.id.length === 32 && chunkId.length === 32 ? chunkBytePrice(p.id, chunkId) : MAX_BYTE_PRICE }))
    .sort((a, b) => a.price - b.price || a.i - b.i)
    .map(x => x.p)
}
