/**
 * The dashboard's own panels as HTML: node, storage, traffic, peers and
 * published content. Pure functions of the view; everything that came from
 * the node is escaped here, and links are made only of http(s) URLs.
 */
import { escapeHtml } from '../../html.js'
import { formatAgo, formatBytes, formatCount, formatDate, formatDuration, percent, safeHref, shortId } from './format.js'
import type { NameJob } from './name-jobs.js'
import type { PeerInfo, PublishedItem } from './port.js'
import { MAX_PEER_ROWS, MAX_PUBLISHED_ROWS, type DashboardView, type Reading } from './view.js'

const h = escapeHtml

export function card (id: string, title: string, body: string, note = ''): string {
  return `<section class="card" id="${h(id)}"><h2>${h(title)}${note.length > 0 ? ` <small>${note}</small>` : ''}</h2>\n${body}\n</section>`
}

function unavailable<T> (reading: Reading<T>): string | undefined {
  return reading.ok ? undefined : `<p class="muted">Not available right now (<code>${h(reading.code)}</code>).</p>`
}

/** A long id, shortened, with the full value on hover, a copy button and a selectable full form. */
export function idBlock (id: string, label: string): string {
  return `<div class="id"><code class="mono" title="${h(id)}">${h(shortId(id))}</code>` +
    `<button type="button" class="small" data-copy="${h(id)}" title="Copy the full ${h(label)}">Copy</button></div>` +
    `<details class="full"><summary>Full ${h(label)}</summary><code class="select-all">${h(id)}</code></details>`
}

function link (url: string | undefined, text?: string): string {
  const href = safeHref(url)
  const shown = h(text ?? url ?? '')
  return href === undefined ? shown : `<a href="${h(href)}">${shown}</a>`
}

/** A bar; `levels` colours it as it nears full (for a capacity, not for a share of the largest). */
function meter (value: number, whole: number, levels = false): string {
  const p = percent(value, whole)
  const level = !levels ? '' : p >= 95 ? ' full' : p >= 80 ? ' warn' : ''
  return `<div class="meter${level}" role="img" aria-label="${p.toFixed(0)} percent"><span style="width:${p.toFixed(1)}%"></span></div>`
}

/**
 * Open sessions and routing-table contacts, counted apart: an idle session closes after a few
 * minutes while the peer stays in the table, so sessions alone showed "0 connected" on a node
 * that four peers serve.
 */
export function peerCount (peers: readonly PeerInfo[]): string {
  const open = peers.filter(p => p.session !== false).length
  const table = peers.filter(p => p.inTable === true).length
  return `${formatCount(open)} open session${open === 1 ? '' : 's'}, ${formatCount(table)} routing-table contact${table === 1 ? '' : 's'}`
}

export function nodePanel (view: DashboardView): string {
  const missing = unavailable(view.status)
  if (missing !== undefined || !view.status.ok) return card('node', 'This node', missing ?? '')
  const s = view.status.value
  const peers = view.peers.ok ? peerCount(view.peers.value) : '–'
  const body = `<dl class="facts">
<dt>Node id</dt><dd>${idBlock(s.id, 'node id')}</dd>
<dt>Rank</dt><dd><span class="rank" title="Leading zero bits of this identity's proof of work: higher ranks are trusted first">${h(String(s.rank))}</span></dd>
<dt>Public key</dt><dd>${idBlock(s.publicKey, 'public key')}</dd>
<dt>Peers</dt><dd>${h(peers)}</dd>
<dt>Up for</dt><dd title="${h(formatDate(s.startedAt))}">${h(formatDuration(view.now - s.startedAt))}</dd>
<dt>Listening</dt><dd><code>${h(s.listen)}</code> (UDP)</dd>
<dt>Reachable</dt><dd>${h(s.reachability ?? 'not known yet (asks peers to try reaching this node once it has a few)')}</dd>
<dt>Gateway</dt><dd>${link(s.gatewayUrl)}</dd>
<dt>Version</dt><dd>${h(s.version)}</dd>
</dl>`
  return card('node', 'This node', body)
}

export function storagePanel (view: DashboardView): string {
  const missing = unavailable(view.storage)
  if (missing !== undefined || !view.storage.ok) return card('storage', 'Storage', missing ?? '')
  const s = view.storage.value
  const p = percent(s.cacheBytes, s.cacheLimit)
  const body = `<div class="totals">
<div><div class="label">Your content</div><div class="big">${h(formatBytes(s.localBytes))}</div><div class="muted">${h(formatCount(s.localCount))} chunks</div></div>
<div><div class="label">Kept for others</div><div class="big">${h(formatBytes(s.cacheBytes))}</div><div class="muted">${h(formatCount(s.cacheCount))} chunks</div></div>
</div>
<div class="split"><span>Cache</span><span>${h(formatBytes(s.cacheBytes))} of ${h(formatBytes(s.cacheLimit))} (${p.toFixed(0)}%)</span></div>
${meter(s.cacheBytes, s.cacheLimit, true)}
<p class="hint">Your own content is never evicted. The cache holds chunks kept for others, by the revenue they are expected to earn: how often a chunk was asked for lately (heat, halved every day) times the price this node charges for it, which is higher the closer the chunk's id is to this node's (256 − log2 of their distance, per byte). When the cache is full the chunk earning least goes first, and a new chunk that would earn less than what it would push out is not cached. Only nodes of higher rank than this one may ask it to cache a chunk.</p>`
  return card('storage', 'Storage', body)
}

export function trafficPanel (view: DashboardView): string {
  const missing = unavailable(view.traffic)
  if (missing !== undefined || !view.traffic.ok) return card('traffic', 'Traffic', missing ?? '')
  const t = view.traffic.value
  const kinds = Object.entries(t.byKind).sort(([, a], [, b]) => (b.in + b.out) - (a.in + a.out))
  const max = Math.max(1, ...kinds.map(([, k]) => k.in + k.out))
  const rows = kinds.map(([kind, k]) => `<tr><td>${h(kind)}</td><td class="num in">${h(formatBytes(k.in))}</td>` +
    `<td class="num out">${h(formatBytes(k.out))}</td><td class="bar-cell">${meter(k.in + k.out, max)}</td></tr>`).join('\n')
  const body = `<div class="totals">
<div><div class="label">Received</div><div class="big in">${h(formatBytes(t.bytesIn))}</div></div>
<div><div class="label">Sent</div><div class="big out">${h(formatBytes(t.bytesOut))}</div></div>
</div>
${kinds.length === 0
    ? '<p class="empty">No traffic yet.</p>'
    : `<div class="scroll"><table class="compact"><thead><tr><th>Kind</th><th class="num">In</th><th class="num">Out</th><th></th></tr></thead><tbody>\n${rows}\n</tbody></table></div>`}`
  return card('traffic', 'Traffic', body)
}

export function peersPanel (view: DashboardView): string {
  const missing = unavailable(view.peers)
  if (missing !== undefined || !view.peers.ok) return card('peers', 'Peers', missing ?? '')
  const peers = [...view.peers.value].sort((a, b) => b.lastSeen - a.lastSeen)
  const shown = peers.slice(0, MAX_PEER_ROWS)
  const rows = shown.map(p => `<tr><td><code class="mono" title="${h(p.id)}">${h(shortId(p.id))}</code></td>` +
    `<td><code>${h(p.endpoint)}</code></td><td class="num">${h(String(p.rank))}</td>` +
    `<td class="num">${p.rttMs === undefined ? '–' : `${h(String(Math.round(p.rttMs)))} ms`}</td>` +
    `<td>${p.session === false ? 'idle' : 'open'}</td>` +
    `<td class="num in">${h(formatBytes(p.bytesIn))}</td><td class="num out">${h(formatBytes(p.bytesOut))}</td>` +
    `<td class="num" title="${h(formatDate(p.lastSeen))}">${h(formatAgo(p.lastSeen, view.now))}</td></tr>`).join('\n')
  const more = peers.length > shown.length ? `<p class="hint">and ${h(formatCount(peers.length - shown.length))} more (the most recently seen are shown).</p>` : ''
  const body = peers.length === 0
    ? '<p class="empty">No peers yet. The node looks for them through its bootstrap nodes; check the log if this stays empty.</p>'
    : `<div class="scroll"><table><thead><tr><th>Node</th><th>Address</th><th class="num">Rank</th><th class="num">RTT</th>` +
      `<th>Session</th><th class="num">In</th><th class="num">Out</th><th class="num">Last seen</th></tr></thead><tbody>\n${rows}\n</tbody></table></div>${more}`
  return card('peers', 'Peers', body, h(formatCount(peers.length)))
}

function nameCell (item: PublishedItem, job: NameJob | undefined): string {
  const parts: string[] = []
  if (item.nameUrl !== undefined || item.name !== undefined) parts.push(link(item.nameUrl, item.nameUrl ?? item.name))
  if (job !== undefined && job.result.state === 'pending') parts.push(`<span class="muted">registering ${h(job.name)}.tor-net…</span>`)
  if (job !== undefined && job.result.state === 'failed') {
    parts.push(`<span class="muted">${h(job.name)}: not registered (<code>${h(job.result.code)}</code>)</span>`)
  }
  return parts.join('<br>')
}

export function publishedPanel (view: DashboardView): string {
  const missing = unavailable(view.published)
  if (missing !== undefined || !view.published.ok) return card('published', 'Published', missing ?? '')
  const items = [...view.published.value].sort((a, b) => b.publishedAt - a.publishedAt)
  const shown = items.slice(0, MAX_PUBLISHED_ROWS)
  const rows = shown.map(item => {
    const job = view.names.find(j => j.reference === item.reference)
    return `<tr><td><strong>${h(item.title)}</strong><div class="links">${link(item.url)}</div></td>` +
      `<td class="links">${nameCell(item, job)}</td><td class="num">${h(formatCount(item.files))}</td>` +
      `<td class="num">${h(formatBytes(item.bytes))}</td>` +
      `<td class="num" title="${h(formatDate(item.publishedAt))}">${h(formatAgo(item.publishedAt, view.now))}</td>` +
      popularityCells(item, view.now) + '</tr>'
  }).join('\n')
  const more = items.length > shown.length ? `<p class="hint">and ${h(formatCount(items.length - shown.length))} older items.</p>` : ''
  const body = items.length === 0
    ? '<p class="empty">Nothing published yet. Use the form below to publish a folder or some files.</p>'
    : `<div class="scroll"><table><thead><tr><th>Content</th><th>Name</th><th class="num">Files</th><th class="num">Size</th>` +
      `<th class="num">Published</th><th class="num" title="Nodes known to hold the item's least hosted chunk">Hosts</th>` +
      `<th class="num" title="The last hourly check of the hosts">Checked</th>` +
      `<th class="num" title="Popularity: whole-chunk reads an hour at the hosts and here, summed over the item's chunks">Reads/h</th>` +
      `</tr></thead><tbody>\n${rows}\n</tbody></table></div>${more}`
  return card('published', 'Published', body, h(formatCount(items.length)))
}

/** Hosts known, last check and popularity (reads an hour) of an item, as the node's hourly checks gathered them. */
function popularityCells (item: PublishedItem, now: number): string {
  if (item.hosts === undefined) return '<td class="num">-</td><td class="num">-</td><td class="num">-</td>'
  const checked = item.lastCheck === undefined || item.lastCheck <= 0 || !Number.isFinite(item.lastCheck)
    ? '<td class="num">not yet</td>'
    : `<td class="num" title="${h(formatDate(item.lastCheck))}">${h(formatAgo(item.lastCheck, now))}</td>`
  const rate = item.readsPerHour ?? 0
  return `<td class="num">${h(formatCount(item.hosts))}</td>${checked}<td class="num">${h(rate >= 10 ? rate.toFixed(0) : rate.toFixed(rate >= 1 ? 1 : 2))}</td>`
}
