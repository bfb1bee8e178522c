/**
 * The station page: an <audio> player on the stream, the now-playing title
 * and the station's text posts, both kept live by a small script reading
 * the events feed (station-events.ts). Everything shown is escaped here or
 * set as textContent by the script; the script runs under a per-page nonce.
 */
import { escapeHtml, htmlPage } from '../../html.js'
import type { StationInfo, VerifiedSegment } from './radio-port.js'

export interface StationUrls {
  stream: string
  events: string
  m3u: string
  /** The stream's absolute URL for players (VLC), shown for copying. */
  player: string
}

const h = escapeHtml

export function stationPageCsp (nonce: string): string {
  return ["default-src 'none'", "style-src 'unsafe-inline'", `script-src 'nonce-${nonce}'`, "media-src 'self'",
    "connect-src 'self'", "base-uri 'none'", "frame-ancestors 'none'"].join('; ')
}

// Kept in sync with postEvent(): { text, at, seq }. Newest posts first.
const SCRIPT = `
const now = document.getElementById('now-playing')
const posts = document.getElementById('posts')
const state = document.getElementById('state')
const feed = new EventSource(document.body.dataset.events)
feed.addEventListener('title', e => { now.textContent = e.data })
feed.addEventListener('post', e => {
  const p = JSON.parse(e.data)
  const li = document.createElement('li')
  const time = document.createElement('time')
  time.textContent = new Date(p.at).toLocaleTimeString()
  li.append(time, ' ', p.text)
  posts.prepend(li)
  document.getElementById('no-posts')?.remove()
})
feed.addEventListener('end', e => { state.textContent = 'The station went quiet (' + e.data + '). Reload to listen again.'; feed.close() })
feed.onopen = () => { state.textContent = '' }
`

export function renderStationPage (info: StationInfo, posts: VerifiedSegment[], urls: StationUrls, nonce: string): string {
  const id = info.id.toString('hex')
  const items = [...posts].reverse().map(p =>
    `<li><time>${h(new Date(p.timestampMs).toISOString().slice(11, 19))}</time> ${h(p.payload.toString('utf8'))}</li>`).join('\n')
  const body = [
    `<h1>${h(info.label)}</h1>`,
    `<p>Now playing: <strong id="now-playing">${h(info.nowPlaying ?? '–')}</strong></p>`,
    `<audio id="player" controls autoplay preload="none" src="${h(urls.stream)}"></audio>`,
    '<p id="state" class="muted"></p>',
    `<p>Listen in VLC or any player: <code>${h(urls.player)}</code> · <a href="${h(urls.m3u)}">playlist (.m3u)</a></p>`,
    `<h2>Posts</h2><ul id="posts">\n${items}\n</ul>`,
    items.length === 0 ? '<p id="no-posts" class="muted">No posts yet; they appear here as the station sends them.</p>' : '',
    `<p class="muted">Station <code>${h(id)}</code> · ${h(info.codec)}${info.bitrateKbps > 0 ? ` · ${h(String(info.bitrateKbps))} kbit/s` : ''}</p>`,
    `<script nonce="${h(nonce)}">${SCRIPT}</script>`
  ].join('\n')
  return htmlPage(`${info.label} – Tornet radio`, body)
    .replace('<body>', `<body data-events="${h(urls.events)}">`)
}

/** An extended M3U playlist with the stream's absolute URL. */
export function renderM3u (info: StationInfo, streamUrl: string): string {
  const title = info.label.replace(/[\r\n]/g, ' ')
  return `#EXTM3U\n#EXTINF:-1,${title}\n${streamUrl}\n`
}
