/** The HTML page for a directory without index.html. Every name is escaped: they come from the network. */
import type { DirectoryEntry } from '../ports.js'
import { escapeHtml, htmlPage } from '../html.js'

export interface ListingInput {
  host: string
  pathname: string // URL path of the directory, ending in '/'
  entries: DirectoryEntry[]
  truncated: boolean // more entries exist than were read
}

function formatSize (bytes: number): string {
  if (bytes < 1024) return `${bytes} B`
  const units = ['KiB', 'MiB', 'GiB', 'TiB']
  let value = bytes / 1024
  let unit = 0
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024
    unit++
  }
  return `${value.toFixed(value < 10 ? 1 : 0)} ${units[unit]}`
}

export function sortEntries (entries: DirectoryEntry[]): DirectoryEntry[] {
  return [...entries].sort((a, b) => a.kind !== b.kind
    ? (a.kind === 'directory' ? -1 : 1)
    : (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))
}

export function renderListing (input: ListingInput): string {
  let displayPath: string
  try {
    displayPath = decodeURIComponent(input.pathname)
  } catch {
    displayPath = input.pathname
  }
  const rows: string[] = []
  if (input.pathname !== '/') rows.push('<tr><td><a href="../">../</a></td><td></td></tr>')
  for (const entry of sortEntries(input.entries)) {
    const isDir = entry.kind === 'directory'
    // "./" keeps a name like "a:b" from being read as a URL scheme.
    const href = './' + encodeURIComponent(entry.name) + (isDir ? '/' : '')
    const label = escapeHtml(entry.name) + (isDir ? '/' : '')
    rows.push(`<tr><td><a href="${escapeHtml(href)}">${label}</a></td><td>${isDir ? '' : formatSize(entry.size)}</td></tr>`)
  }
  const more = input.truncated ? '<p>This directory has more entries than are listed here.</p>' : ''
  const title = `Index of ${displayPath}`
  return htmlPage(title,
    `<h1>Index of <code>${escapeHtml(input.host)}${escapeHtml(displayPath)}</code></h1>\n<table>\n${rows.join('\n')}\n</table>\n${more}`)
}
