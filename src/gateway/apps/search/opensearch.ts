import { escapeHtml } from '../../html.js'
import { SEARCH_HOST } from './search-port.js'

export const OPENSEARCH_CONTENT_TYPE = 'application/opensearchdescription+xml; charset=utf-8'

/** The OpenSearch description Firefox reads to add Tornet search as a search engine. */
export function openSearchDescription (): string {
  const base = `http://${SEARCH_HOST}/`
  return '<?xml version="1.0" encoding="UTF-8"?>\n' +
    '<OpenSearchDescription xmlns="http://a9.com/-/spec/opensearch/1.1/" xmlns:moz="http://www.mozilla.org/2006/browser/search/">\n' +
    '  <ShortName>Tornet</ShortName>\n' +
    '  <Description>Search Tornet content through your gateway</Description>\n' +
    '  <InputEncoding>UTF-8</InputEncoding>\n' +
    `  <Url type="text/html" method="get" template="${escapeHtml(base)}?q={searchTerms}"/>\n` +
    `  <moz:SearchForm>${escapeHtml(base)}</moz:SearchForm>\n` +
    '</OpenSearchDescription>\n'
}
