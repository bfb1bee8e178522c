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
 * Records (kv) and mail are priced like the cheapest cached byte: a unit per byte of the
 * request and its answer (what the answering node stores or sends).
 */
export function flatPrice (bytes: number): number {
  if (!Number.isSafeInteger(bytes) || bytes < 0) throw new AccountingError(AccountingErrorCode.INVALID_ARGUMENT, `bad byte count ${bytes}`)
  return bytes
}

/**
 * Credit one answered lookup query is worth (cause lookup), whatever its size: an answer of
 * k = 20 contacts is about 2 KiB, priced here like 4 KiB of the cheapest cached bytes. A flat
 * price per answer, not per byte, so padding an answer buys no standing.
 */
export const LOOKUP_ANSWER_PRICE = 4096

/**
 * Radio depths priced apart: a relay at depth d (d relays between it and the broadcaster; the
 * broadcaster is depth 0) sells a segment byte for max(1, RADIO_PRICE_DEPTHS − d) units. A
 * slot near the broadcaster is scarce (everyone below depends on it), one deep in the tree is
 * plentiful: the seed's "dearer toward the source", as chunk prices are.
 */
export const RADIO_PRICE_DEPTHS = 16

/** What `bytes` of a radio segment pushed by a relay at `depth` cost. */
export function radioSegmentPrice (bytes: number, depth: number): number {
  if (!Number.isSafeInteger(depth) || depth < 0) throw new AccountingError(AccountingErrorCode.INVALID_ARGUMENT, `bad depth ${depth}`)
  return flatPrice(bytes) * Math.max(1, RADIO_PRICE_DEPTHS - depth)
}

/**
 * What `bytes` of tunnel cells cost at one hop: a unit per byte, charged by each relay to the
 * hop before it (toward the circuit's builder) for every cell it carries either way, and owed
 * by it to the hop after it. Each pair's books agree (the builder owes its entry hop the same,
 * accounting.ts `carried`), and a circuit of h hops costs h units per byte along its length:
 * priced by hop.
 */
export function tunnelCellPrice (bytes: number): number {
  return flatPrice(bytes)
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
