import type { Contact } from '../../routing/contact.js'
import { WEEK_MS } from '../../store/eviction-policy.js'
import { type ChunkMessage, PublishStatus, type PublishStatusValue } from './messages.js'
import { DEFAULT_STORAGE_PRICE, inRange, storageCost } from './sell-policy.js'

/**
 * The host's half of paid publishing (the seed: "a server is only interested in publishing
 * your data if you pay enough to bump the least profitable chunk for 1 week AND your identity
 * is greater than the server's").
 *
 * A PUBLISH_OFFER names a chunk, its size and the most the publisher will pay. The price is
 * the larger of the storage sold for a week (size × `storagePrice`) and what the chunks it
 * would displace earn in a week (the store's quotePaid: heat × price of the least profitable
 * cached chunks). Then, in order: a publisher of no higher rank, a chunk outside the range this
 * node sells, a publisher past its credit line, a price over the offer, or a cache all paid for
 * is refused; otherwise this node pulls the chunk through the ordinary verified download (pull,
 * never push), keeps it a week whatever it earns (putPaid), and charges the publisher the price
 * in its ledger. The reply tells the publisher the price and the end of the paid week, and the
 * publisher books the same charge.
 */
export interface PaidHostingDeps {
  selfId: Buffer
  selfRank: number
  now: () => number
  running: () => boolean
  /** False: this node sells no storage (a cache bound of 0): every offer is refused. */
  selling: () => boolean
  store: {
    has: (id: Uint8Array) => boolean
    quotePaid: (size: number) => number | undefined
    putPaid: (id: Uint8Array, bytes: Uint8Array, paidUntil: number, verified?: boolean) => Promise<boolean>
  }
  range?: number
  storagePrice?: number
  /** Fetches the chunk (verified against its id) without caching it. */
  download: (id: Buffer) => Promise<Buffer>
  /** False when the publisher is past its credit line here. */
  canCharge: (from: Contact) => boolean
  /** Told before the pull: its slices from the publisher are paid for by the place (accounting/paid-pulls.ts). */
  pulling?: (from: Contact, chunkId: Buffer) => void
  /** Books `credit` for `bytes` of storage sold to the publisher. */
  charge: (from: Contact, chunkId: Buffer, bytes: number, credit: number) => void
  stats: { paidStored: number, paidRefused: number }
  /** Offers pulled at once; past it an offer is refused noRoom. Default 2. */
  maxConcurrent?: number
}

export class PaidHosting {
  private running = 0

  constructor (private readonly d: PaidHostingDeps) {}

  /** The price of a week's place for `size` bytes now; undefined when no room can be made. */
  price (size: number): number | undefined {
    const displaced = this.d.store.quotePaid(size)
    if (displaced === undefined) return undefined
    return Math.max(storageCost(size, WEEK_MS, this.d.storagePrice ?? DEFAULT_STORAGE_PRICE), Math.ceil(displaced))
  }

  async offer (m: Extract<ChunkMessage, { type: 'publishOffer' }>, from: Contact): Promise<ChunkMessage> {
    const refuse = (status: PublishStatusValue, price = 0): ChunkMessage => {
      this.d.stats.paidRefused++
      return { type: 'publishReply', status, price, paidUntil: 0 }
    }
    if (!this.d.running() || !this.d.selling()) return refuse(PublishStatus.notSelling)
    // "You can only advertise on nodes of lower rank than yourself."
    if (from.rank <= this.d.selfRank) return refuse(PublishStatus.lowRank)
    if (!inRange(this.d.selfId, m.chunkId, this.d.range)) return refuse(PublishStatus.outOfRange)
    const price = this.d.store.has(m.chunkId) ? storageCost(m.size, WEEK_MS, this.d.storagePrice ?? DEFAULT_STORAGE_PRICE) : this.price(m.size)
    if (price === undefined) return refuse(PublishStatus.noRoom)
    if (price > m.maxCredit) return refuse(PublishStatus.tooDear, price)
    if (!this.d.canCharge(from)) return refuse(PublishStatus.owed, price)
    if (this.running >= (this.d.maxConcurrent ?? 2)) return refuse(PublishStatus.noRoom)
    this.running++
    try {
      let bytes: Buffer
      this.d.pulling?.(from, m.chunkId)
      try { bytes = await this.d.download(m.chunkId) } catch { return refuse(PublishStatus.fetchFailed) }
      // The offer's size is the publisher's word; the chunk's is the bytes that hashed to its id.
      if (bytes.length !== m.size) return refuse(PublishStatus.fetchFailed)
      const paidUntil = this.d.now() + WEEK_MS
      if (!this.d.running() || !(await this.d.store.putPaid(m.chunkId, bytes, paidUntil, true))) return refuse(PublishStatus.noRoom)
      this.d.charge(from, m.chunkId, bytes.length, price)
      this.d.stats.paidStored++
      return { type: 'publishReply', status: PublishStatus.stored, price, paidUntil }
    } finally {
      this.running--
    }
  }
}
