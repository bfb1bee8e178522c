import { escapeHtml } from '../../html.js'
import { searchPage } from './layout.js'
import type { TagOnTarget } from './search-port.js'

export function renderTagPage (word: string, targets: TagOnTarget[]): string {
  const rows = targets.map(t => {
    const url = `http://${t.target}.tor-net/`
    const words = t.words.map(w => `<a class="tag" href="/tag/${encodeURIComponent(w.word)}">${escapeHtml(w.word)}</a>`).join('')
    const weight = t.words.find(w => w.word === word)?.weight ?? 0
    return `<div class="hit"><h2><a href="${escapeHtml(url)}">${escapeHtml(url)}</a></h2>` +
      `<div class="meta">${words} · ${t.taggers} tagger${t.taggers === 1 ? '' : 's'} · weight ${weight.toFixed(2)}</div></div>`
  })
  const body = `<h2>Tagged “${escapeHtml(word)}”</h2>\n` +
    (rows.length === 0 ? '<p>Nobody has tagged anything with this word yet. Tag content with <code>tornet tag REF word…</code>.</p>' : rows.join('\n'))
  return searchPage(`Tag ${word} – Tornet search`, '', body)
}
