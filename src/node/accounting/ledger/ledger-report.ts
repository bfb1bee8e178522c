import type { PeerAccount } from '../../store/peer-account-codec.js'
import type { Accounting } from '../accounting.js'
import { CAUSE_NAMES } from '../price.js'
import type { PeerLedger } from './ledger.js'

/**
 * What `tornet ledger` and the dashboard show: every peer's books joined with its account
 * (rank, contact times, errors: the seed's availability), the top debtors and creditors, and
 * the history by cause. Plain data, JSON-safe.
 */
export interface LedgerPeerRow extends PeerLedger {
  rank?: number
  firstContact?: number
  lastContact?: number
  connectionErrors?: number
  /**
   * The seed's availability from first/last contact and connection errors: the share of
   * days known without an error, 1 / (1 + errors per day known); undefined for a stranger.
   */
  availability?: number
  /** Credit units this peer may owe before it is refused. */
  creditLimit?: number
}

export interface LedgerReport {
  totals: { creditSent: number, creditReceived: number, restoredCredit: number, paidSats: number, peers: number }
  /** Peers that owe this node the most (owed > 0), most first. */
  debtors: LedgerPeerRow[]
  /** Peers this node owes the most (owed < 0), most first. */
  creditors: LedgerPeerRow[]
  /** Totals by cause over the whole history kept. */
  byCause: Array<{ cause: string, creditSent: number, creditReceived: number, bytesSent: number, bytesReceived: number }>
  /** Hourly rows since `sinceMs`, oldest first. */
  history: Array<{ hourStart: number, cause: string, creditSent: number, creditReceived: number, bytesSent: number, bytesReceived: number }>
  peers: LedgerPeerRow[]
}

const DAY_MS = 86_400_000

export function availabilityOf (a: Pick<PeerAccount, 'firstContact' | 'lastContact' | 'connectionErrors'>): number {
  const days = Math.max(1, (a.lastContact - a.firstContact) / DAY_MS)
  return 1 / (1 + a.connectionErrors / days)
}

export function ledgerReport (acc: Accounting, accounts: PeerAccount[], opts: { top?: number, sinceMs?: number } = {}): LedgerReport {
  const top = opts.top ?? 10
  const byId = new Map(accounts.map(a => [a.id.toString('hex'), a]))
  const peers: LedgerPeerRow[] = acc.ledger.list().map((p) => {
    const a = byId.get(p.id)
    return a === undefined
      ? p
      : { ...p, rank: a.rank, firstContact: a.firstContact, lastContact: a.lastContact, connectionErrors: a.connectionErrors, availability: availabilityOf(a), creditLimit: acc.credit.limit(a.rank) }
  })
  const totals = { creditSent: 0, creditReceived: 0, restoredCredit: 0, paidSats: 0, peers: peers.length }
  const byCause = CAUSE_NAMES.map(cause => ({ cause, creditSent: 0, creditReceived: 0, bytesSent: 0, bytesReceived: 0 }))
  for (const p of peers) {
    totals.creditSent += p.creditSent; totals.creditReceived += p.creditReceived
    totals.restoredCredit += p.restoredCredit; totals.paidSats += p.paidSats
    p.byCause.forEach((c, i) => {
      byCause[i].creditSent += c.creditSent; byCause[i].creditReceived += c.creditReceived
      byCause[i].bytesSent += c.bytesSent; byCause[i].bytesReceived += c.bytesReceived
    })
  }
  return {
    totals,
    debtors: peers.filter(p => p.owed > 0).sort((a, b) => b.owed - a.owed).slice(0, top),
    creditors: peers.filter(p => p.owed < 0).sort((a, b) => a.owed - b.owed).slice(0, top),
    byCause,
    history: acc.ledger.history(opts.sinceMs ?? 0).map(h => ({ ...h, cause: CAUSE_NAMES[h.cause] })),
    peers
  }
}
