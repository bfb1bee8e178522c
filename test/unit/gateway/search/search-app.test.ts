/**
 * The search app on a real gateway over loopback HTTP, with a fake SearchPort:
 * results with titles, snippets, addresses, tags and popularity, escaped; the
 * tag page; the OpenSearch description; any query bytes; error pages for a
 * malformed index (naming its builder) and for no index.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { createGateway, type Gateway } from '../../../../src/gateway/index.js'
import { installSearch } from '../../../../src/gateway/apps/search/index.js'
import type { SearchPort } from '../../../../src/gateway/apps/search/search-port.js'
import { SearchError, SearchErrorCode, tagWord, queryTerms, type SearchResults } from '../../../../src/node/index.js'
import { createFakeNetwork } from '../../../helpers/fake-site-content.js'
import { proxyGet } from '../clients.js'

let gateway: Gateway
let port: number
let failWith: Error | undefined
const queries: string[] = []

const fakePort: SearchPort = {
  search: async (query, o): Promise<SearchResults> => {
    queries.push(query)
    if (failWith !== undefined) throw failWith
    const terms = queryTerms(query)
    const hits = terms.length === 0
      ? []
      : [{ title: 'Tornet <guide>', snippet: 'How it works & why', url: 'http://docs.tor-net/guide.html', host: 'docs.tor-net', path: 'guide.html', reference: 'r', tags: ['guide'], popularity: 7, score: 1, matched: 1, builder: 'ab' }]
    return { query, terms, total: terms.length === 0 ? 0 : 25, hits: o.offset >= 25 ? [] : hits, builders: ['ab'], failures: [], fetchedBytes: 0, shardsRead: 0 }
  },
  taggedWith: async (word) => word === 'music'
    ? [{ target: 'aaaa.bbbb', targetId: Buffer.alloc(32, 1), words: [{ word: 'music', weight: 3 }, { word: 'jazz', weight: 1 }], taggers: 2 }]
    : [],
  tagWord
}

beforeEach(async () => {
  failWith = undefined
  queries.length = 0
  const net = createFakeNetwork()
  gateway = await createGateway({ port: 0, resolver: net.resolver, content: net.content })
  installSearch(gateway, { search: fakePort })
  port = gateway.address.port
})
afterEach(async () => { await gateway?.close() })

describe('search.tor-net', () => {
  it('shows a search form with the OpenSearch link', async () => {
    const r = await proxyGet(port, 'http://search.tor-net/')
    expect(r.status).toBe(200)
    const html = r.body.toString()
    expect(html).toContain('<form action="/" method="get"')
    expect(html).toContain('href="http://search.tor-net/opensearch.xml"')
  })

  it('renders results escaped, with address, tags, popularity and paging', async () => {
    const r = await proxyGet(port, 'http://search.tor-net/?q=tornet+guide')
    expect(r.status).toBe(200)
    const html = r.body.toString()
    expect(html).toContain('<a href="http://docs.tor-net/guide.html">Tornet &lt;guide&gt;</a>')
    expect(html).toContain('How it works &amp; why')
    expect(html).toContain('href="/tag/guide"')
    expect(html).toContain('popularity 7')
    expect(html).toContain('value="tornet guide"')
    expect(html).toContain('href="/?q=tornet%20guide&amp;p=2"')
    expect(queries).toEqual(['tornet guide'])
  })

  it('handles any query bytes and page numbers', async () => {
    for (const q of ['%ff%fe%00', '%F0%9F%98%80'.repeat(300), '<script>alert(1)</script>', '&&&=', 'a'.repeat(4000)]) {
      const r = await proxyGet(port, `http://search.tor-net/?q=${q}&p=99999`)
      expect(r.status).toBe(200)
      expect(r.body.toString()).not.toContain('<script>alert')
    }
  })

  it('serves the tag page and refuses a tag that is no word', async () => {
    const r = await proxyGet(port, 'http://search.tor-net/tag/Music')
    expect(r.status).toBe(200)
    expect(r.body.toString()).toContain('http://aaaa.bbbb.tor-net/')
    expect(r.body.toString()).toContain('2 taggers')
    const none = await proxyGet(port, 'http://search.tor-net/tag/nothing')
    expect(none.body.toString()).toContain('Nobody has tagged')
    const bad = await proxyGet(port, 'http://search.tor-net/tag/%E0%A4%A')
    expect(bad.status).toBe(400)
    const stop = await proxyGet(port, 'http://search.tor-net/tag/the')
    expect(stop.status).toBe(400)
  })

  it('serves the OpenSearch description', async () => {
    const r = await proxyGet(port, 'http://search.tor-net/opensearch.xml')
    expect(r.status).toBe(200)
    expect(r.headers['content-type']).toContain('application/opensearchdescription+xml')
    expect(r.body.toString()).toContain('template="http://search.tor-net/?q={searchTerms}"')
  })

  it('a malformed index is an error page naming the builder; no index is 503', async () => {
    failWith = new SearchError(SearchErrorCode.SHARD_MALFORMED, 'the index of builder cafe01 is malformed: search shard: truncated')
    const r = await proxyGet(port, 'http://search.tor-net/?q=x1')
    expect(r.status).toBe(502)
    expect(r.headers['x-tornet-error']).toBe('SEARCH_SHARD_MALFORMED')
    expect(r.body.toString()).toContain('cafe01')
    failWith = new SearchError(SearchErrorCode.NO_INDEX, 'no index')
    expect((await proxyGet(port, 'http://search.tor-net/?q=x1')).status).toBe(503)
  })

  it('answers 404 elsewhere and 405 for POST', async () => {
    expect((await proxyGet(port, 'http://search.tor-net/nothing-here')).status).toBe(404)
    expect((await proxyGet(port, 'http://search.tor-net/', {}, 'POST')).status).toBe(405)
  })
})
