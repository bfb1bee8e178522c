/**
 * The search app: http://search.tor-net/ through the proxy (a host the
 * gateway keeps for itself, like mail.tor-net).
 *   /?q=…&p=N        results from the indexes this node trusts
 *   /tag/<word>      content tagged with a word, heaviest first
 *   /opensearch.xml  the OpenSearch description (Firefox: "Add search engine")
 * Any query string is handled: URLSearchParams never throws, and the node's
 * tokeniser takes any text. Failures become the gateway's error pages (a
 * malformed index names its builder).
 */
import type { IncomingMessage, ServerResponse } from 'node:http'
import { withDeadline } from '../../abort.js'
import type { GatewayApp, GatewayRequestContext } from '../../app.js'
import { GATEWAY_ERRORS, gatewayError } from '../../errors.js'
import { HTML_CONTENT_TYPE } from '../../html.js'
import { sendNoStore } from '../../no-store-reply.js'
import type { Router } from '../../router.js'
import { OPENSEARCH_CONTENT_TYPE, openSearchDescription } from './opensearch.js'
import { RESULTS_PER_PAGE, renderResults } from './results-page.js'
import { SEARCH_HOST, type SearchPort } from './search-port.js'
import { renderTagPage } from './tag-page.js'

export interface SearchAppOptions {
  search: SearchPort
  /** How long a query (pointer, shards) may take; default 20 s. */
  queryTimeoutMs?: number
}

const MAX_PAGE = 50

export function createSearchApp (options: SearchAppOptions): GatewayApp {
  const port = options.search
  const timeoutMs = options.queryTimeoutMs ?? 20_000

  async function handle (req: IncomingMessage, res: ServerResponse, ctx: GatewayRequestContext): Promise<void> {
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      throw gatewayError(GATEWAY_ERRORS.methodNotAllowed, `${req.method ?? ''} is not served here.`)
    }
    const params = new URLSearchParams(ctx.search)
    if (ctx.pathname === '/' || ctx.pathname === '/search') {
      const query = params.get('q') ?? ''
      const page = pageOf(params.get('p'))
      const results = await withDeadline(async signal => await port.search(query, { limit: RESULTS_PER_PAGE, offset: (page - 1) * RESULTS_PER_PAGE, signal }),
        ctx.signal, timeoutMs, 'Searching')
      sendNoStore(req, res, HTML_CONTENT_TYPE, renderResults(results, page))
      return
    }
    if (ctx.pathname === '/opensearch.xml') {
      sendNoStore(req, res, OPENSEARCH_CONTENT_TYPE, openSearchDescription())
      return
    }
    if (ctx.pathname.startsWith('/tag/')) {
      let raw: string
      try { raw = decodeURIComponent(ctx.pathname.slice('/tag/'.length)) } catch { throw gatewayError(GATEWAY_ERRORS.badRequest, 'The tag in this address has broken percent-encoding.') }
      const word = port.tagWord(raw)
      if (word === undefined) throw gatewayError(GATEWAY_ERRORS.badRequest, 'A tag is one word of 2 to 32 bytes of letters and digits.')
      const targets = await withDeadline(async signal => await port.taggedWith(word, { signal }), ctx.signal, timeoutMs, 'Finding tags')
      sendNoStore(req, res, HTML_CONTENT_TYPE, renderTagPage(word, targets))
      return
    }
    throw gatewayError(GATEWAY_ERRORS.notFound, 'The search app has no page here.')
  }

  return {
    name: 'search',
    matches: ctx => ctx.host === SEARCH_HOST && ctx.target.kind === 'gateway',
    handle
  }
}

function pageOf (raw: string | null): number {
  const n = Number(raw ?? '1')
  return Number.isInteger(n) && n >= 1 && n <= MAX_PAGE ? n : 1
}

/** Registers the search app on a gateway's router (search.tor-net). */
export function installSearch (gateway: { router: Router }, options: SearchAppOptions): void {
  gateway.router.register(createSearchApp(options))
}
