/**
 * The one place that turns a failure into an HTTP reply: a status with a real
 * HTML page saying what failed and what to do. Pages never carry a stack
 * trace; errors without a known code get a generic page. (A SOCKS client gets
 * a reply code instead: socks/error-to-reply.ts.)
 */
import type { ServerResponse } from 'node:http'
import { RESOLVE_ERRORS } from '../resolvers/types.js'
import { ResolverErrorCode } from '../resolvers/errors.js'
import { NAMECOIN_PROOF_ERRORS } from '../resolvers/namecoin/spv/proof-errors.js'
import { ContentErrorCode, GATEWAY_ERRORS, errorCode } from './errors.js'
import { HTML_CONTENT_TYPE, escapeHtml, htmlPage } from './html.js'
import { noStoreHeaders } from './no-store-reply.js'
import { SearchErrorCode } from '../node/index.js'

export interface ErrorDescription {
  status: number
  title: string
  advice: string
  showMessage: boolean // whether the error's own message is meant for users
}

// {{GATEWAY}} becomes the gateway's host:port when the page is rendered.
const PAC_HINT = 'Point your browser at the PAC file <code>http://{{GATEWAY}}/proxy.pac</code> so that only ' +
  '.tor-net and .bit addresses come here'

function entry (status: number, title: string, advice: string, showMessage = true): ErrorDescription {
  return { status, title, advice, showMessage }
}

const TABLE: Record<string, ErrorDescription> = {
  [RESOLVE_ERRORS.notFound]: entry(404, 'Name not found',
    'No record exists for this name. Check the spelling; a newly registered name can take a few minutes to become visible.'),
  [RESOLVE_ERRORS.expired]: entry(410, 'Name expired',
    'The record for this name has expired and its owner has not renewed it. There is nothing to open until they do.'),
  [RESOLVE_ERRORS.invalidName]: entry(400, 'Not a valid name',
    'This host name is not a valid Tornet or Namecoin name. Check the address.'),
  [RESOLVE_ERRORS.invalidRecord]: entry(502, 'The name’s record is unusable',
    'The name exists, but its record does not point at anything this gateway can open. Its owner has to fix the record.'),
  [RESOLVE_ERRORS.unavailable]: entry(502, 'Name lookup unavailable',
    'The name service (the Tornet registry or the Namecoin node) could not be reached. Check on the dashboard that your node is connected, then reload.'),
  [RESOLVE_ERRORS.timeout]: entry(504, 'Name lookup timed out',
    'Looking up this name took too long. The network may be slow or partly unreachable; reload to try again.'),
  [ResolverErrorCode.headersSyncing]: entry(503, 'Namecoin headers still syncing',
    'Before a .bit answer is shown, this node checks it against the Namecoin block headers, which it verifies from a checkpoint shipped with Tornet. That first sync is still running (its progress is below and on the dashboard); it is kept in the data directory, so it happens once. Reload in a while.'),
  [RESOLVE_ERRORS.certificateChanged]: entry(502, 'Namecoin server certificate changed',
    'A Namecoin ElectrumX server showed a different TLS certificate than the one this node pinned the first time it connected, so its answers were refused: someone may be intercepting the connection, or the operator replaced the certificate. If you trust the change, remove the server’s line from <code>namecoin-electrumx-pins.json</code> in the data directory (or run <code>tornet resolve --forget-pin host:port</code>) and reload.'),
  // Each proof code names the one proof a Namecoin answer failed; the message (shown) says which.
  ...Object.fromEntries(Object.values(NAMECOIN_PROOF_ERRORS).map(code => [code, entry(502, 'Namecoin answer failed its proof',
    'A Namecoin server sent an answer that does not check out against the Namecoin block chain (the proof that failed is named below), so it was refused: the server lied or is broken. Reload to ask other servers; the dashboard’s Namecoin panel shows which servers failed.')])),
  [RESOLVE_ERRORS.notTornet]: entry(403, 'Not a Tornet address',
    `This gateway opens .tor-net and .bit addresses only. ${PAC_HINT}.`),

  [ContentErrorCode.notFound]: entry(404, 'Page not found',
    'The site exists, but it has no file at this path. Check the link.'),
  [ContentErrorCode.unreachable]: entry(502, 'Content not reachable',
    'No node that stores this content answered. Its publisher may be offline and nobody else keeps a copy yet; try again later.'),
  [ContentErrorCode.timeout]: entry(504, 'Content timed out',
    'Fetching this content from the network took too long. Reload to try again.'),
  [ContentErrorCode.corrupt]: entry(502, 'Content failed verification',
    'The bytes received did not match their hash, so they were not shown. Another node may serve a good copy; reload to try again.'),

  [GATEWAY_ERRORS.badRequest]: entry(400, 'Bad request',
    'The gateway could not understand this request.'),
  [GATEWAY_ERRORS.headerTooLarge]: entry(431, 'Request headers too large',
    'The request’s headers are larger than this gateway accepts. Clearing this site’s cookies usually helps.', false),
  [GATEWAY_ERRORS.notTornet]: entry(403, 'Not a Tornet site',
    `This gateway opens .tor-net and .bit addresses only; other sites are refused because pass-through to the ordinary web is off. ${PAC_HINT}, or enable pass-through (<code>gateway.passThrough</code> in config.json).`),
  [GATEWAY_ERRORS.clearnetRefused]: entry(403, 'Points outside Tornet',
    'This name points at an ordinary internet address. The gateway goes there only when pass-through is enabled (<code>gateway.passThrough</code> in config.json), and never to local or private addresses.'),
  [GATEWAY_ERRORS.noTls]: entry(501, 'No https on Tornet',
    'Tornet sites are served over plain http://; their content is checked against its hash instead. Open the address with http:// instead of https://.'),
  [GATEWAY_ERRORS.ownPagesRefused]: entry(403, 'Not this gateway’s pages',
    'This name points at the gateway’s own pages. They are only served at http://tornet.tor-net/ and http://{{GATEWAY}}/, never under another name.'),
  [GATEWAY_ERRORS.noApp]: entry(501, 'Nothing here serves this address yet',
    'The name resolved, but this gateway has no application for what it points at.'),
  [GATEWAY_ERRORS.unsupportedNetwork]: entry(501, 'Address on another network',
    'This name points into another anonymity network, which Tornet does not carry. Open the address with that network’s own browser or router.'),
  [GATEWAY_ERRORS.methodNotAllowed]: entry(405, 'Method not allowed',
    'Tornet sites are read-only: only GET and HEAD requests are served.'),
  [GATEWAY_ERRORS.notFound]: entry(404, 'Not found',
    'The gateway has no page at this address. The dashboard is at <a href="/">/</a>.'),
  [GATEWAY_ERRORS.rangeNotSatisfiable]: entry(416, 'Range not satisfiable',
    'The requested part of the file lies outside it. Reload the whole file.'),
  [GATEWAY_ERRORS.timeout]: entry(504, 'Timed out',
    'The network did not answer in time. Reload to try again.'),
  [GATEWAY_ERRORS.bodyTimeout]: entry(408, 'Request body too slow',
    'The request’s body arrived too slowly, or not within the time this page allows. Try again on a faster connection.'),
  [GATEWAY_ERRORS.upstreamFailed]: entry(502, 'Could not reach the site',
    'Pass-through could not connect to the site on the ordinary web.'),
  [GATEWAY_ERRORS.pacMissing]: entry(500, 'PAC file missing',
    'The gateway could not find its PAC template (pac/proxy.pac). Reinstall Tornet.'),
  [GATEWAY_ERRORS.stationNotFound]: entry(404, 'No relay carries this station',
    'No node on the network carries this station right now: its broadcaster may be offline, or the address may be wrong. ' +
    'Check the station id or name (the broadcaster sees both with <code>tornet radio list</code>), then try again; the stations this node knows are on the <a href="/">dashboard</a>.'),
  [GATEWAY_ERRORS.hiddenNotFound]: entry(404, 'Hidden service not found',
    'No descriptor for this hidden service is in the network: it is not running, has not published yet (give it a minute after it starts), or the address is wrong. Check the address with the service’s owner (<code>tornet hidden list</code> shows it), then reload.'),
  [GATEWAY_ERRORS.hiddenUnreachable]: entry(502, 'Hidden service unreachable',
    'The service’s descriptor was found, but no circuit reached it: its introduction points or the rendezvous did not answer, a relay on the way went away, or the service’s own web server is down. Reload to try again over new circuits.'),
  [GATEWAY_ERRORS.hiddenTimeout]: entry(504, 'Hidden service timed out',
    'Reaching the hidden service, or its answer, took longer than this gateway waits. The network or the service may be slow; reload to try again.'),
  [GATEWAY_ERRORS.hiddenBadResponse]: entry(502, 'Hidden service sent a bad response',
    'The hidden service answered, but not with a valid HTTP/1.1 response (or with headers larger than the gateway accepts). Its owner has to fix the web server behind it.'),

  [SearchErrorCode.NO_INDEX]: entry(503, 'No search index yet',
    'None of the index builders this node trusts (config <code>search.trust</code>) has published an index that could be found. Build one with <code>tornet index build</code>, or add a builder’s key to <code>search.trust</code>.'),
  [SearchErrorCode.SHARD_MALFORMED]: entry(502, 'Search index malformed',
    'An index builder this node trusts published an index that does not decode, so its results were not shown. The builder is named below; remove it from <code>search.trust</code> or ask its owner to rebuild.'),

  // node's own codes
  HPE_HEADER_OVERFLOW: entry(431, 'Request headers too large',
    'The request’s headers are larger than this gateway accepts. Clearing this site’s cookies usually helps.', false),
  ERR_HTTP_REQUEST_TIMEOUT: entry(408, 'Request timeout', 'The request was not completed in time.', false),
  ECONNREFUSED: entry(502, 'Connection refused', 'The site refused the connection.'),
  ECONNRESET: entry(502, 'Connection reset', 'The site closed the connection.'),
  ENOTFOUND: entry(502, 'Host not found', 'DNS has no address for this host.'),
  EAI_AGAIN: entry(502, 'Host not found', 'DNS could not be asked right now.'),
  EHOSTUNREACH: entry(502, 'Host unreachable', 'There is no route to this host.'),
  ENETUNREACH: entry(502, 'Network unreachable', 'There is no route to this network.'),
  ETIMEDOUT: entry(504, 'Connection timed out', 'The site did not answer in time.')
}

const UNKNOWN = entry(500, 'Gateway error',
  'Something went wrong inside the gateway. Reload to try again; if it keeps happening, the log has details.', false)

export function describeError (err: unknown): ErrorDescription & { code: string } {
  const code = errorCode(err)
  if (code !== undefined && code.startsWith('HPE_') && TABLE[code] === undefined) {
    return { ...TABLE[GATEWAY_ERRORS.badRequest]!, code, showMessage: false } // any other parse error
  }
  const known = code === undefined ? undefined : TABLE[code]
  return known === undefined ? { ...UNKNOWN, code: 'GATEWAY_INTERNAL' } : { ...known, code: code! }
}

export interface RenderedError {
  status: number
  code: string
  headers: Record<string, string>
  body: string
}

export interface ErrorContext {
  host?: string // the address the client asked for
  gateway?: string // host:port of this gateway, for advice that links to it
}

export function renderErrorPage (err: unknown, context: ErrorContext = {}): RenderedError {
  const d = describeError(err)
  const message = d.showMessage && err instanceof Error && err.message.length > 0 ? err.message : undefined
  const parts = [`<h1>${escapeHtml(d.title)}</h1>`]
  if (context.host !== undefined) parts.push(`<p>Address: <code>${escapeHtml(context.host)}</code></p>`)
  if (message !== undefined) parts.push(`<p>${escapeHtml(message)}</p>`)
  const advice = d.advice.replaceAll('{{GATEWAY}}', escapeHtml(context.gateway ?? '127.0.0.1:9150'))
  parts.push(`<p>${advice}</p>`, `<p>Error code: <code>${escapeHtml(d.code)}</code> (HTTP ${d.status})</p>`)
  const body = htmlPage(`${d.status} ${d.title}`, parts.join('\n'))
  return {
    status: d.status,
    code: d.code,
    headers: { ...noStoreHeaders(HTML_CONTENT_TYPE, body), 'x-tornet-error': d.code },
    body
  }
}

/** Answers with the error page; if the response has already started, cuts the connection instead. */
export function sendErrorPage (res: ServerResponse, err: unknown, context: ErrorContext & { method?: string } = {},
  extraHeaders: Record<string, string> = {}): void {
  if (res.headersSent) {
    res.destroy()
    return
  }
  const page = renderErrorPage(err, context)
  res.writeHead(page.status, { ...page.headers, ...extraHeaders })
  res.end(context.method === 'HEAD' ? undefined : page.body)
}

/** A whole HTTP/1.1 response for a raw socket (CONNECT refusals, parse errors); the connection then closes. */
export function rawErrorResponse (err: unknown, context: ErrorContext = {}): string {
  const page = renderErrorPage(err, context)
  const reason = REASONS[page.status] ?? 'Error'
  const headers = Object.entries({ ...page.headers, connection: 'close' }).map(([k, v]) => `${k}: ${v}\r\n`).join('')
  return `HTTP/1.1 ${page.status} ${reason}\r\n${headers}\r\n${page.body}`
}

const REASONS: Record<number, string> = {
  400: 'Bad Request', 403: 'Forbidden', 404: 'Not Found', 405: 'Method Not Allowed', 408: 'Request Timeout',
  410: 'Gone', 416: 'Range Not Satisfiable', 431: 'Request Header Fields Too Large', 500: 'Internal Server Error', 501: 'Not Implemented',
  502: 'Bad Gateway', 504: 'Gateway Timeout'
}
