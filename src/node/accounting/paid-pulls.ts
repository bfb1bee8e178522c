import { TtlCache } from '../ttl-cache.js'

/**
 * Chunk pulls that a paid place already pays for (issue 19 item 7).
 *
 * A host given a paid place pulls the chunk through the ordinary verified download, and the
 * slices often come from the publisher itself. The place's price (booked by both sides as
 * storage) is the whole deal: without this, the publisher would also charge the host the slice
 * price for the pull, and the host would count itself in the publisher's debt for it. Both
 * sides mark the (peer, chunk) pair when the offer goes out or comes in; slices of that chunk
 * between those two peers then move bytes but no credit until the mark expires.
 *
 * Bounded: at most `max` marks (the least recently used goes first); each lasts `ttlMs`.
 */
export const DEFAULT_PAID_PULL_TTL_MS = 120_000
export const DEFAULT_MAX_PAID_PULLS = 4096

export class PaidPulls {
  private readonly marks: TtlCache<string, true>
  private readonly ttlMs: number

  constructor (o: { ttlMs?: number, max?: number, now?: () => number } = {}) {
    this.ttlMs = o.ttlMs ?? DEFAULT_PAID_PULL_TTL_MS
    this.marks = new TtlCache({ maxEntries: o.max ?? DEFAULT_MAX_PAID_PULLS, now: o.now })
  }

  /** The pull of `chunkId` between this node and `peerHex` is paid for by a place. */
  mark (peerHex: string, chunkId: Uint8Array): void { this.marks.set(keyOf(peerHex, chunkId), true, this.ttlMs) }

  /** True while a mark for the pair lasts. */
  covers (peerHex: string, chunkId: Uint8Array): boolean { return this.marks.get(keyOf(peerHex, chunkId)) === true }

  get size (): number { return this.marks.size }
}

function keyOf (peerHex: string, chunkId: Uint8Array): string {
  return `${peerHex}:${Buffer.from(chunkId.buffer, chunkId.byteOffset, chunkId.byteLength).toString('hex')}`
}
