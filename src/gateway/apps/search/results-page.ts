import { escapeHtml } from '../../html.js'
import { searchPage } from './layout.js'
import type { SearchHit, SearchResults } from './search-port.js'

export const RESULTS_PER_PAGE = 10

function hitHtml (h: SearchHit): string {
  const tags = h.tags.map(t => `<a class="tag" href="/tag/${encodeURIComponent(t)}">${escapeHtml(t)}</a>`).join('')
  return `<div class="hit"><h2><a href="${escapeHtml(h.url)}">${escapeHtml(h.title.length > 0 ? h.title : h.url)}</a></h2>` +
    `<div class="url">${escapeHtml(h.url)}</div>` +
    `<p>${escapeHtml(h.snippet)}</p>` +
    `<div class="meta">${tags}popularity ${h.popularity}</div></div>`
}

export function renderResults (r: SearchResults, page: number): string {
  const parts: string[] = []
  if (r.terms.length === 0) {
    parts.push('<p>Type some words to search the indexes this node trusts.</p>')
  } else if (r.hits.length === 0) {
    parts.push(`<p>No results for <strong>${escapeHtml(r.terms.join(' '))}</strong>.</p>`)
  } else {
    const first = (page - 1) * RESULTS_PER_PAGE + 1
    parts.push(`<p class="meta">Results ${first}–${first + r.hits.length - 1} of ${r.total} for <strong>${escapeHtml(r.terms.join(' '))}</strong></p>`)
    parts.push(...r.hits.map(hitHtml))
    const q = encodeURIComponent(r.query)
    const nav: string[] = []
    if (page > 1) nav.push(`<a href="/?q=${q}&amp;p=${page - 1}">Previous</a>`)
    if (first + r.hits.length - 1 < r.total) nav.push(`<a href="/?q=${q}&amp;p=${page + 1}">Next</a>`)
    if (nav.length > 0) parts.push(`<p>${nav.join(' · ')}</p>`)
  }
  for (const f of r.failures) parts.push(`<p class="meta">The index of builder <code>${escapeHtml(f.builder)}</code> failed: ${escapeHtml(f.message)} (${escapeHtml(f.code)})</p>`)
  return searchPage(r.terms.length === 0 ? 'Tornet search' : `${r.query.slice(0, 80)} – Tornet search`, r.query, parts.join('\n'))
}
