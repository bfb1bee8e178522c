/**
 * The dashboard's "Credit" panel: the books this node keeps with its peers (what `tornet
 * ledger` prints): totals, top debtors and creditors, credit by cause, and a payment QR code
 * for every peer this node owes whose bitcoin address it knows.
 */
import { escapeHtml } from '../../html.js'
import type { DashboardSection } from '../dashboard/port.js'
import { formatBytes } from '../dashboard/format.js'
import { bip21, paymentQrSvg } from './payment-qr.js'

const h = escapeHtml
export const MAX_CREDIT_ROWS = 10

/** What the panel reads (the node's ledger report, trimmed to what is shown). */
export interface CreditPeer {
  id: string
  rank?: number
  owed: number
  creditLimit?: number
  paidSats: number
  availability?: number
  sendAddress: string
}

export interface CreditReport {
  totals: { creditSent: number, creditReceived: number, restoredCredit: number, paidSats: number, peers: number }
  debtors: CreditPeer[]
  creditors: CreditPeer[]
  byCause: Array<{ cause: string, creditSent: number, creditReceived: number, bytesSent: number, bytesReceived: number }>
}

export interface CreditPort {
  report: () => CreditReport | Promise<CreditReport>
  /** Satoshis per MB of credit: what this node pays a peer it owes (its own posted price). */
  satsPerMB: number
}

export function formatCredit (n: number): string {
  const a = Math.abs(n)
  for (const [step, unit] of [[1e12, 'T'], [1e9, 'G'], [1e6, 'M'], [1e3, 'k']] as const) {
    if (a >= step) return `${n < 0 ? '-' : ''}${(a / step).toFixed(a / step < 10 ? 2 : 1)} ${unit} cr`
  }
  return `${n < 0 ? '-' : ''}${Math.round(a)} cr`
}

export async function renderCredit (r: CreditReport, satsPerMB: number): Promise<string> {
  const t = r.totals
  const parts = [`<p>Service given <strong>${h(formatCredit(t.creditSent))}</strong>, received <strong>${h(formatCredit(t.creditReceived))}</strong>, ` +
    `bought back ${h(formatCredit(t.restoredCredit))} for ${h(String(t.paidSats))} sats, with ${h(String(t.peers))} peers. ` +
    '<span class="muted">A credit unit is a byte at the cheapest price; a chunk slice costs bytes × (256 − log2(node id ⊕ chunk id)).</span></p>']
  const peerTable = (list: CreditPeer[], owes: string): string => '<div class="scroll"><table><thead><tr><th>Peer</th><th class="num">Rank</th>' +
    `<th class="num">${owes}</th><th class="num">Credit line</th><th class="num">Paid sats</th><th class="num">Available</th></tr></thead><tbody>\n` +
    list.slice(0, MAX_CREDIT_ROWS).map(p => `<tr><td><code>${h(p.id.slice(0, 16))}</code></td><td class="num">${h(p.rank === undefined ? '–' : String(p.rank))}</td>` +
      `<td class="num">${h(formatCredit(Math.abs(p.owed)))}</td><td class="num">${h(p.creditLimit === undefined ? '–' : formatCredit(p.creditLimit))}</td>` +
      `<td class="num">${h(String(p.paidSats))}</td><td class="num">${h(p.availability === undefined ? '–' : `${(p.availability * 100).toFixed(0)}%`)}</td></tr>`).join('\n') +
    '\n</tbody></table></div>'
  parts.push('<h3>Owe this node</h3>', r.debtors.length === 0 ? '<p class="empty">Nobody.</p>' : peerTable(r.debtors, 'Owes'))
  parts.push('<h3>This node owes</h3>', r.creditors.length === 0 ? '<p class="empty">Nobody.</p>' : peerTable(r.creditors, 'Owed'))
  const payable = r.creditors.filter(p => p.sendAddress !== '').slice(0, MAX_CREDIT_ROWS)
  for (const p of payable) {
    const sats = Math.ceil(Math.abs(p.owed) / 1e6 * satsPerMB)
    const uri = bip21(p.sendAddress, sats, `tornet ${p.id.slice(0, 16)}`)
    let qr: string
    try { qr = await paymentQrSvg(uri) } catch { qr = '<p class="muted">(no QR code for this address)</p>' }
    parts.push(`<div class="pay"><div>${qr}</div><div>Pay <code>${h(p.id.slice(0, 16))}</code> ${h(String(sats))} sats: <a href="${h(uri)}"><code>${h(uri)}</code></a></div></div>`)
  }
  if (r.creditors.length > payable.length) parts.push('<p class="hint">Peers without a known bitcoin address get no QR code.</p>')
  parts.push('<h3>By cause</h3><div class="scroll"><table><thead><tr><th>Cause</th><th class="num">Credit given</th><th class="num">Credit received</th>' +
    '<th class="num">Bytes sent</th><th class="num">Bytes received</th></tr></thead><tbody>\n' +
    r.byCause.map(c => `<tr><td>${h(c.cause)}</td><td class="num">${h(formatCredit(c.creditSent))}</td><td class="num">${h(formatCredit(c.creditReceived))}</td>` +
      `<td class="num">${h(formatBytes(c.bytesSent))}</td><td class="num">${h(formatBytes(c.bytesReceived))}</td></tr>`).join('\n') +
    '\n</tbody></table></div>')
  return parts.join('\n')
}

export function creditSection (port: CreditPort): DashboardSection {
  return {
    id: 'credit',
    title: 'Credit',
    render: async () => await renderCredit(await port.report(), port.satsPerMB)
  }
}
