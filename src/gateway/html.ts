/** Tiny HTML helpers for the pages the gateway writes itself (errors, listings, placeholder dashboard). */

export const HTML_CONTENT_TYPE = 'text/html; charset=utf-8'

const ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' }

export function escapeHtml (text: string): string {
  return text.replace(/[&<>"']/g, c => ESCAPES[c]!)
}

const STYLE = 'body{font:16px/1.5 system-ui,sans-serif;max-width:46em;margin:2em auto;padding:0 1em;color:#222}' +
  'h1{font-size:1.5em}code{background:#f3f3f3;padding:0 .2em}table{border-collapse:collapse}' +
  'td{padding:.1em 1em .1em 0}footer{margin-top:2em;color:#777;font-size:.85em}'

/** A complete page; `bodyHtml` must already be escaped. */
export function htmlPage (title: string, bodyHtml: string): string {
  return '<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">' +
    '<meta name="viewport" content="width=device-width,initial-scale=1">' +
    `<title>${escapeHtml(title)}</title><style>${STYLE}</style></head>\n<body>\n${bodyHtml}\n` +
    '<footer>Tornet gateway</footer>\n</body></html>\n'
}
