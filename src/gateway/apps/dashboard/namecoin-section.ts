/**
 * The dashboard's Namecoin panel: which ElectrumX servers the .bit resolver
 * uses (warm, failed, caught lying), the verified chain tip, and the last
 * failure. Plain data in, HTML out; the composition root adapts the
 * resolver's status to NamecoinPanelData.
 */
import { escapeHtml } from '../../html.js'
import type { DashboardSection } from './port.js'

const h = escapeHtml
export const MAX_SERVER_ROWS = 32

export interface NamecoinPanelData {
  backend: string // "ElectrumX (shipped list)", "Namecoin Core RPC http://…"
  proof: 'verified' | 'unverified' | 'trusted'
  servers: Array<{
    label: string
    operator: string
    state: string
    tip?: number
    lastError?: { code: string, message: string, at: number }
    lie?: { name: string, detail: string, at: number }
  }>
  verifiedTip?: { height: number, time: number }
  reportedTip?: { height: number, time?: number }
  lastFailure?: { server: string, code: string, message: string, at: number }
  /** Where certificate pins are kept, for the "how to reset" hint. */
  pinsFile?: string
  /** The SPV header sync: verified height, the tip it heads for, speed, done. */
  headerSync?: { height: number, target: number, headersPerSecond: number, server: string, done: boolean }
}

function when (ms: number): string {
  return new Date(ms).toISOString().replace('T', ' ').replace(/\.\d+Z$/, ' UTC')
}

const PROOF_TEXT: Record<NamecoinPanelData['proof'], string> = {
  verified: 'answers are proven (Merkle branch to an SPV-verified header chain)',
  unverified: 'answers are <strong>not proven</strong>: no SPV verifier is configured, so a server’s word is taken',
  trusted: 'answers come from your own Namecoin Core node and are trusted as is'
}

export function renderNamecoinPanel (d: NamecoinPanelData): string {
  const tip = d.verifiedTip !== undefined
    ? `${h(d.verifiedTip.height.toLocaleString('en'))} (verified), block time ${h(when(d.verifiedTip.time * 1000))}`
    : d.reportedTip !== undefined
      ? `${h(d.reportedTip.height.toLocaleString('en'))} (reported by a server, not verified)${d.reportedTip.time !== undefined ? `, block time ${h(when(d.reportedTip.time * 1000))}` : ''}`
      : 'not known yet (no .bit name looked up)'
  const failure = d.lastFailure === undefined
    ? 'none'
    : `${h(when(d.lastFailure.at))} · <code>${h(d.lastFailure.server)}</code> · <code>${h(d.lastFailure.code)}</code> ${h(d.lastFailure.message)}`
  const rows = d.servers.slice(0, MAX_SERVER_ROWS).map(s => {
    const note = s.lie !== undefined
      ? `<strong>gave a stale or false answer</strong> for ${h(s.lie.name)} at ${h(when(s.lie.at))}: ${h(s.lie.detail)}`
      : s.lastError !== undefined ? `<code>${h(s.lastError.code)}</code> ${h(s.lastError.message)}` : ''
    return `<tr><td><code>${h(s.label)}</code></td><td>${h(s.operator)}</td><td>${h(s.state)}</td>` +
      `<td class="num">${s.tip === undefined ? '–' : h(String(s.tip))}</td><td>${note}</td></tr>`
  }).join('\n')
  const more = d.servers.length > MAX_SERVER_ROWS ? `<p class="hint">and ${d.servers.length - MAX_SERVER_ROWS} more.</p>` : ''
  const table = d.servers.length === 0 ? '' : '<div class="scroll"><table><thead><tr><th>Server</th><th>Operator</th><th>State</th>' +
    `<th class="num">Tip</th><th>Last failure / note</th></tr></thead><tbody>\n${rows}\n</tbody></table></div>${more}`
  const pins = d.pinsFile === undefined ? '' : `<p class="hint">TLS certificates are pinned on first use in <code>${h(d.pinsFile)}</code>; remove a server’s line there (or run <code>tornet resolve --forget-pin HOST:PORT</code>) to accept its new certificate.</p>`
  const s = d.headerSync
  const sync = s === undefined
    ? ''
    : s.done
      ? `<p>Header sync: verified up to block ${h(s.height.toLocaleString('en'))} from the shipped checkpoint (last from <code>${h(s.server)}</code>).</p>`
      : `<p>Header sync: <strong>${h(s.height.toLocaleString('en'))} / ${h(s.target.toLocaleString('en'))}</strong> verified, ${h(s.headersPerSecond.toLocaleString('en'))} headers/s, from <code>${h(s.server)}</code>; .bit answers wait for it.</p>`
  return `<p>Backend: ${h(d.backend)}; ${PROOF_TEXT[d.proof]}.</p>` +
    `<p>Chain tip: ${tip}</p>${sync}<p>Last failure: ${failure}</p>${table}${pins}` +
    '<p class="hint">Check any name from a terminal with <code>tornet resolve NAME.bit</code>.</p>'
}

export function namecoinSection (status: () => NamecoinPanelData): DashboardSection {
  return { id: 'namecoin', title: 'Namecoin (.bit)', render: async () => renderNamecoinPanel(status()) }
}
