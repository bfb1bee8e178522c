/**
 * The dashboard's "Circuits and hidden services" panel: the onion circuits
 * this node built (purpose, hops by rank, age, bytes, state) and the hidden
 * services it runs. Ranks only: a circuit's relays are never shown by
 * address, here or anywhere.
 */
import type { DashboardSection } from '../dashboard/port.js'
import { formatBytes, formatCount, formatDuration } from '../dashboard/format.js'
import { escapeHtml } from '../../html.js'
import { circuitsReport } from './circuits-report.js'
import type { CircuitInfo, CircuitsReport, TunnelsPort } from './tunnels-port.js'

const h = escapeHtml
export const MAX_PANEL_ROWS = 50

export function hopsText (c: Pick<CircuitInfo, 'hops' | 'endToEnd'>): string {
  const ranks = c.hops.map(hop => `rank ${hop.rank}`).join(' → ')
  return (ranks.length === 0 ? '–' : ranks) + (c.endToEnd ? ' → service' : '')
}

export function renderCircuits (report: CircuitsReport): string {
  const parts: string[] = []
  if (report.circuits.length === 0) {
    parts.push('<p class="empty">No circuits right now. They are built when a hidden service is opened, ' +
      'when a hidden service runs here, or for lookups through tunnels (<code>gateway.tunnelHops</code>).</p>')
  } else {
    const rows = report.circuits.slice(0, MAX_PANEL_ROWS).map(c =>
      `<tr><td><code>${h(c.id.slice(0, 8))}</code></td><td>${h(c.purpose)}${c.isolation !== undefined && c.isolation !== '' ? `<div class="muted">isolation ${h(c.isolation)}</div>` : ''}</td>` +
      `<td>${h(hopsText(c))}</td><td>${h(c.state)}</td><td class="num">${h(formatDuration(report.now - c.createdAt))}</td>` +
      `<td class="num">${h(formatBytes(c.bytesIn))}</td><td class="num">${h(formatBytes(c.bytesOut))}</td><td class="num">${h(formatCount(c.streams))}</td></tr>`).join('\n')
    const more = report.circuits.length > MAX_PANEL_ROWS ? `<p class="hint">and ${report.circuits.length - MAX_PANEL_ROWS} more (<code>tornet circuits</code> lists all).</p>` : ''
    parts.push('<div class="scroll"><table><thead><tr><th>Circuit</th><th>Purpose</th><th>Hops (by rank)</th><th>State</th>' +
      `<th class="num">Age</th><th class="num">In</th><th class="num">Out</th><th class="num">Streams</th></tr></thead><tbody>\n${rows}\n</tbody></table></div>${more}`)
  }
  if (report.stats !== null) {
    const s = report.stats
    parts.push(`<p class="hint">As a relay: ${h(formatCount(s.circuitsRelayed))} circuits carried, ${h(formatCount(s.cellsForwarded))} cells forwarded, ` +
      `${h(formatCount(s.cellsDropped))} dropped (malformed, unauthenticated or over a bound).</p>`)
  }
  parts.push('<h3>Hidden services on this node</h3>')
  if (report.hidden.length === 0) {
    parts.push('<p class="empty">None. Serve a local web server as one with <code>tornet hidden add NAME --to 127.0.0.1:PORT</code>.</p>')
  } else {
    const rows = report.hidden.slice(0, MAX_PANEL_ROWS).map(s =>
      `<tr><td><a href="http://${h(s.name)}.tor-net/"><strong>${h(s.name)}</strong>.tor-net</a>` +
      (s.host === '' ? '' : `<div class="muted"><code title="${h(s.host)}">${h(s.host.slice(0, 16))}…</code></div>`) + '</td>' +
      `<td><code>${h(s.target.host)}:${h(String(s.target.port))}</code></td>` +
      `<td>${h(s.introPoints.length === 0 ? 'none yet' : s.introPoints.map(p => `rank ${p.rank}`).join(', '))}</td>` +
      `<td class="num">${h(formatCount(s.introductions))}</td><td class="num">${h(formatCount(s.refused))}</td>` +
      `<td>${s.powRequired ? 'proof of work asked' : 'open'}</td></tr>`).join('\n')
    parts.push('<div class="scroll"><table><thead><tr><th>Service</th><th>Serves</th><th>Intro points</th>' +
      `<th class="num">Introductions</th><th class="num">Refused</th><th>State</th></tr></thead><tbody>\n${rows}\n</tbody></table></div>`)
  }
  return parts.join('\n')
}

export function circuitsSection (port: TunnelsPort, now: () => number = Date.now): DashboardSection {
  return {
    id: 'circuits',
    title: 'Circuits and hidden services',
    render: async () => renderCircuits(circuitsReport(port, now()))
  }
}
