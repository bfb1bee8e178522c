import { escapeHtml } from '../../html.js'
import { SEARCH_HOST } from './search-port.js'

const STYLE = 'body{font:16px/1.5 system-ui,sans-serif;max-width:50em;margin:1.5em auto;padding:0 1em;color:#222}' +
  'form{display:flex;gap:.5em;margin:1em 0}input[name=q]{flex:1;font-size:1.1em;padding:.3em}button{font-size:1.1em}' +
  '.hit{margin:1.2em 0}.hit h2{font-size:1.1em;margin:0}.hit .url{color:#060;font-size:.85em;word-break:break-all}' +
  '.hit p{margin:.2em 0}.meta{color:#666;font-size:.85em}.tag{background:#eef;padding:0 .3em;margin-right:.3em;border-radius:3px}' +
  'footer{margin-top:2em;color:#777;font-size:.85em}'

/** A search page: the OpenSearch link in the head (Firefox offers "Add Tornet search"), the form on top. */
export function searchPage (title: string, query: string, bodyHtml: string): string {
  return '<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">' +
    '<meta name="viewport" content="width=device-width,initial-scale=1">' +
    `<link rel="search" type="application/opensearchdescription+xml" title="Tornet search" href="http://${SEARCH_HOST}/opensearch.xml">` +
    `<title>${escapeHtml(title)}</title><style>${STYLE}</style></head>\n<body>\n` +
    `<h1><a href="/" style="color:inherit;text-decoration:none">Tornet search</a></h1>\n` +
    `<form action="/" method="get" role="search"><input name="q" id="q" value="${escapeHtml(query)}" autofocus aria-label="Search"><button type="submit">Search</button></form>\n` +
    `${bodyHtml}\n<footer>Answered from signed indexes published as Tornet content.</footer>\n</body></html>\n`
}
