import type { BitcoinPayments, ReceivedPayment } from './bitcoin/payments-api.js'
import type { CreditRefusal } from './errors.js'
import type { Ledger } from './ledger/ledger.js'

/**
 * Credit lines (the seed's "Selling Service"): a node serves a peer on credit until the peer
 * owes it 100 MB × rank × `factor` credit units (a unit is a byte at the cheapest price, so a
 * line is worth 100 MB × rank of cached content). Beyond that the peer is refused with the
 * price, in satoshis, that reverses its whole debt at this node's posted rate and a BIP21 URI
 * for this node's receive address for that peer. A confirmed payment to that address
 * restores credit at the same rate, once per output (the ledger keeps which it credited).
 *
 * Rank is what a line is measured in because rank costs work to mine: a fresh identity starts
 * with nothing owed and nothing earned, so throwing one away to escape a debt also throws
 * away the credit the old one had built, and a new one of the same rank costs the same work.
 */
export const CREDIT_LINE_BYTES_PER_RANK = 100_000_000
const BYTES_PER_MB = 1_000_000
/** Payment addresses watched at once (peers asked to pay); beyond it the oldest watch stops. */
const MAX_WATCHED = 10_000

export interface CreditLinesOptions {
  ledger: Ledger
  /** Absent (or without an xpub): refusals carry the price but an empty URI, and nothing is watched. */
  payments?: BitcoinPayments
  /** Multiplies every line (config `credit.factor`); 0 serves nobody on credit. */
  factor: number
  /** Satoshis per MB of credit (1,000,000 units): the node's posted price (config `credit.satsPerMB`). */
  satsPerMB: number
  /** Label in payment URIs. */
  label?: string
  log?: (level: 'info' | 'warn', message: string) => void
}

export class CreditLines {
  private readonly watching = new Map<string, () => void>()
  /** Payments being credited, so their refusal can wait for them (tests, the integration). */
  private readonly crediting = new Set<Promise<unknown>>()
  /** Told of every payment credited (once per output): the node feeds its routing table's "payments made". */
  onCredited?: (peerHex: string, sats: number) => void

  constructor (private readonly o: CreditLinesOptions) {}

  /**
   * Credit units a peer of `rank` may owe before it is refused. Peers below the node's minRank
   * never get here (the link refuses them); where minRank is 0 (a LAN, a test network) a rank-0
   * peer gets the line of rank 1 rather than none, or the setting would mean nothing.
   */
  limit (rank: number): number {
    return Math.max(1, rank) * CREDIT_LINE_BYTES_PER_RANK * this.o.factor
  }

  /** True when `peerHex` (of `rank`) owes as much as its line: the hot check, no I/O. */
  exhausted (peerHex: string, rank: number): boolean {
    return this.o.ledger.owed(peerHex) >= this.limit(rank)
  }

  /** Satoshis that buy back `credit` units at the posted price (rounded up to a whole satoshi). */
  priceOf (credit: number): number {
    return Math.ceil(Math.max(0, credit) / BYTES_PER_MB * this.o.satsPerMB)
  }

  /** Credit units `sats` buy back (rounded down). */
  creditFor (sats: number): number {
    return this.o.satsPerMB <= 0 ? 0 : Math.floor(sats / this.o.satsPerMB * BYTES_PER_MB)
  }

  /**
   * The refusal for a peer over its line: the debt, its price, and a URI for the peer's own
   * receive address, which from now on is watched for the payment (after restarts too).
   */
  async refusal (peerHex: string): Promise<CreditRefusal> {
    const owedCredit = Math.max(0, this.o.ledger.owed(peerHex))
    const sats = this.priceOf(owedCredit)
    const index = await this.o.ledger.requestPayment(peerHex)
    const req = this.o.payments?.request(index, sats, this.o.label ?? 'tornet credit', `credit for ${peerHex.slice(0, 16)}`)
    if (req !== undefined) this.watch(peerHex, req.address)
    return { owedCredit, sats, uri: req?.uri ?? '' }
  }

  /**
   * This node's receive address for `peerHex`, the send address it tells that peer
   * (address-exchange/): watched from now on, so what the peer pays there (a debt, a tip)
   * restores its credit. Undefined without an xpub.
   */
  async receiveAddressFor (peerHex: string): Promise<string | undefined> {
    const p = this.o.payments
    if (p === undefined || p.receiveAddress(0) === undefined) return undefined
    const address = p.receiveAddress(await this.o.ledger.requestPayment(peerHex))
    if (address !== undefined) this.watch(peerHex, address)
    return address
  }

  /** Watches the addresses of every peer asked to pay before (call once the payments source runs). */
  start (): void {
    const p = this.o.payments
    if (p === undefined) return
    for (const { id, addressIndex } of this.o.ledger.requested()) {
      const address = p.receiveAddress(addressIndex)
      if (address !== undefined) this.watch(id, address)
    }
  }

  stop (): void {
    for (const unwatch of this.watching.values()) unwatch()
    this.watching.clear()
  }

  /** Resolves when every payment reported so far has been credited. */
  async settled (): Promise<void> {
    await Promise.allSettled([...this.crediting])
  }

  private watch (peerHex: string, address: string): void {
    const p = this.o.payments
    if (p === undefined || this.watching.has(peerHex)) return
    if (this.watching.size >= MAX_WATCHED) {
      const [oldest, unwatch] = this.watching.entries().next().value as [string, () => void]
      unwatch()
      this.watching.delete(oldest)
    }
    this.watching.set(peerHex, p.watch(address, (payment) => { this.paid(peerHex, payment) }))
  }

  private paid (peerHex: string, payment: ReceivedPayment): void {
    const credit = this.creditFor(payment.sats)
    const job = this.o.ledger.restore(peerHex, { txid: payment.txid, vout: payment.vout, sats: payment.sats }, credit)
      .then((fresh) => {
        if (!fresh) return
        this.o.log?.('info', `${payment.sats} sats from ${peerHex.slice(0, 16)}… restored ${credit} credit`)
        try { this.onCredited?.(peerHex, payment.sats) } catch { /* a listener must not undo the credit */ }
      })
      .catch((err: Error) => { this.o.log?.('warn', `could not credit payment ${payment.txid}:${payment.vout}: ${err.message}`) })
      .finally(() => { this.crediting.delete(job) })
    this.crediting.add(job)
  }
}
