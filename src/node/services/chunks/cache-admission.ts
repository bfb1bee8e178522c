import type { Contact } from '../../routing/contact.js'

/**
 * Who may make this node download and cache a chunk. Caching costs this node
 * a download (up to 1 MiB) and a place in its cache, so a peer must not be
 * able to buy either for free:
 *
 * - CACHE_REQUEST ("please pull this chunk") is the seed's advertising: "you
 *   can only advertise on nodes of lower rank than yourself". It is accepted
 *   only from a peer of strictly higher rank than this node, only for chunk ids this
 *   node is among the closest to (where lookups will look), and only within
 *   a per-peer budget (a token bucket: `burst` pulls, refilled at `perHour`).
 * - Demand (queries for a chunk this node lacks: cache on demand) counts only
 *   from peers with standing, each peer once per chunk (DemandCounter's
 *   voters): a peer's rank is proof of work, its history here (content it
 *   served that checked out, payments) is proof of use. The seed lists
 *   "query non-existent chunks to force caching" as an attack and "only
 *   logging requests from ids with a known reputation" as its mitigation.
 */
export interface StandingOptions {
  /** A peer of at least this rank has standing. */
  standingRank: number
  /** This node's experience with a peer (its routing-table contact), when it has any. */
  history?: (id: Buffer) => Pick<Contact, 'contentProvided' | 'paymentsMade'> | undefined
}

export function hasStanding (peer: Contact, o: StandingOptions): boolean {
  if (peer.rank >= o.standingRank) return true
  const h = o.history?.(peer.id)
  return h !== undefined && (h.contentProvided > 0 || h.paymentsMade > 0)
}

/** A token bucket per peer, bounded: past `maxPeers` the least recently charged peer is forgotten (it starts full again). */
export class PeerBudget {
  private readonly buckets = new Map<string, { tokens: number, at: number }>()

  constructor (private readonly o: { burst: number, perHour: number, maxPeers: number, now: () => number }) {}

  /** Takes one token from the peer's bucket; false (and nothing taken) when it is empty. */
  take (peer: Buffer): boolean {
    const hex = peer.toString('hex')
    const now = this.o.now()
    const b = this.buckets.get(hex)
    const tokens = b === undefined ? this.o.burst : Math.min(this.o.burst, b.tokens + Math.max(0, now - b.at) * this.o.perHour / 3_600_000)
    if (tokens < 1) return false
    this.buckets.delete(hex)
    this.buckets.set(hex, { tokens: tokens - 1, at: now })
    if (this.buckets.size > this.o.maxPeers) this.buckets.delete(this.buckets.keys().next().value as string)
    return true
  }

  /** Gives back a token taken for work that did not start. */
  refund (peer: Buffer): void {
    const b = this.buckets.get(peer.toString('hex'))
    if (b !== undefined) b.tokens = Math.min(this.o.burst, b.tokens + 1)
  }
}
