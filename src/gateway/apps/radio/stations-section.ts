/**
 * The dashboard's radio panel, and the same list at /radio/: the stations
 * this node broadcasts, relays or listens to, with links to each one's
 * page, stream and playlist.
 */
import type { DashboardSection } from '../dashboard/port.js'
import { escapeHtml } from '../../html.js'
import type { RadioService, StationInfo } from './radio-port.js'

const h = escapeHtml
const ROLE: Record<StationInfo['role'], string> = { broadcasting: 'broadcasting', relaying: 'relaying', listening: 'listening' }
export const MAX_STATION_ROWS = 100

export function renderStationList (stations: StationInfo[]): string {
  if (stations.length === 0) {
    return '<p class="empty">No stations yet. Start one with <code>tornet radio create NAME</code> and ' +
      '<code>tornet radio broadcast NAME FILE</code>, or open <code>/radio/&lt;station&gt;</code> to tune in to one.</p>'
  }
  const rows = stations.slice(0, MAX_STATION_ROWS).map(s => {
    const id = s.id.toString('hex')
    const base = `/radio/${id}`
    return `<tr><td><a href="${h(base)}.html"><strong>${h(s.label)}</strong></a><div class="muted"><code title="${h(id)}">${h(id.slice(0, 16))}…</code></div></td>` +
      `<td>${h(s.nowPlaying ?? '–')}</td><td>${h(ROLE[s.role] ?? s.role)}</td>` +
      `<td>${h(s.codec)}${s.bitrateKbps > 0 ? ` ${h(String(s.bitrateKbps))} kbit/s` : ''}</td><td class="num">${h(String(s.children))}</td>` +
      `<td><a href="${h(base)}">stream</a> · <a href="${h(base)}.m3u">.m3u</a></td></tr>`
  }).join('\n')
  const more = stations.length > MAX_STATION_ROWS ? `<p class="hint">and ${stations.length - MAX_STATION_ROWS} more.</p>` : ''
  return '<div class="scroll"><table><thead><tr><th>Station</th><th>Now playing</th><th>Role</th><th>Codec</th>' +
    `<th class="num">Fed from here</th><th>Listen</th></tr></thead><tbody>\n${rows}\n</tbody></table></div>${more}`
}

export function stationsSection (radio: RadioService): DashboardSection {
  return {
    id: 'radio',
    title: 'Radio stations',
    render: async () => renderStationList(radio.known())
  }
}
