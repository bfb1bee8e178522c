/**
 * The one place that turns a failure into a reply: an HTTP status with a real
 * HTML page saying what failed and what to do, or a SOCKS reply code. Pages
 * never carry a stack trace; errors without a known code get a generic page.
 */
import type { ServerResponse } from 'node:http'
import { RESOLVE_ERRORS } from '../resolvers/types.js'
import { ContentErrorCode, GATEWAY_ERRORS, errorCode } from './errors.js'
import { escapeHtml, htmlPage } from './html.js'
import { SOCKS5_REPLY, type Socks5ReplyCode } from './socks/constants.js'

export interface ErrorDescription {
  status: number
  title: string
  advice: string
  socks: Socks5ReplyCode
  showMessage: boolean // whether the error's own message is meant for users
}

// {{GATEWAY}} becomes the gateway's host:port when the page is rendered.
const PAC_HINT = 'Point your browser at the PAC file <code>http://{{GATEWAY}}/proxy.pac</code> so that only ' +
  '.tor-net and .bit addresses come here'

function entry (status: number, title: string, advice: string, socks: Socks5ReplyCode, showMessage = true): ErrorDescription {
  return { status, title, advice, socks, showMessage }
}

const R = SOCKS5_REPLY

const TABLE: Record<string, ErrorDescription> = {
  [RESOLVE_ERRORS.notFound]: entry(404, 'Name not found',
    'No record exists for this name. Check the spelling; a newly registered name can take a few minutes to become visible.', R.hostUnreachable),
  [RESOLVE_ERRORS.expired]: entry(410, 'Name expired',
    'The record for this name has expired and its owner has not renewed it. There is nothing to open until they do.', R.hostUnreachable),
  [RESOLVE_ERRORS.invalidName]: entry(400, 'Not a valid name',
    'This host name is not a valid Tornet or Namecoin name. Check the address.', R.hostUnreachable),
  [RESOLVE_ERRORS.invalidRecord]: entry(502, 'The name’s record is unusable',
    'The name exists, but its record does not point at anything this gateway can open. Its owner has to fix the record.', R.hostUnreachable),
  [RESOLVE_ERRORS.unavailable]: entry(502, 'Name lookup unavailable',
    'The name service (the Tornet registry or the Namecoin node) could not be reached. Check on the dashboard that your node is connected, then reload.', R.networkUnreachable),
  [RESOLVE_ERRORS.timeout]: entry(504, 'Name lookup timed out',
    'Looking up this name took too long. The network may be slow or partly unreachable; reload to try again.', R.ttlExpired),
  [RESOLVE_ERRORS.notTornet]: entry(403, 'Not a Tornet address',
    `This gateway opens .tor-net and .bit addresses only. ${PAC_HINT}.`, R.notAllowed),

  [ContentErrorCode.notFound]: entry(404, 'Page not found',
    'The site exists, but it has no file at this path. Check the link.', R.hostUnreachable),
  [ContentErrorCode.unreachable]: entry(502, 'Content not reachable',
    'No node that stores this content answered. Its publisher may be offline and nobody else keeps a copy yet; try again later.', R.hostUnreachable),
  [ContentErrorCode.timeout]: entry(504, 'Content timed out',
    'Fetching this content from the network took too long. Reload to try again.', R.ttlExpired),
  [ContentErrorCode.corrupt]: entry(502, 'Content failed verification',
    'The bytes received did not match their hash, so they were not shown. Another node may serve a good copy; reload to try again.', R.generalFailure),

  [GATEWAY_ERRORS.badRequest]: entry(400, 'Bad request',
    'The gateway could not understand this request.', R.generalFailure),
  [GATEWAY_ERRORS.headerTooLarge]: entry(431, 'Request headers too large',
    'The request’s headers are larger than this gateway accepts. Clearing this site’s cookies usually helps.', R.generalFailure, false),
  [GATEWAY_ERRORS.notTornet]: entry(403, 'Not a Tornet site',
    `This gateway opens .tor-net and .bit addresses only; other sites are refused because pass-through to the ordinary web is off. ${PAC_HINT}, or enable pass-through (<code>gateway.passThrough</code> in config.json).`, R.notAllowed),
  [GATEWAY_ERRORS.clearnetRefused]: entry(403, 'Points outside Tornet',
    'This name points at an ordinary internet address. The gateway goes there only when pass-through is enabled (<code>gateway.passThrough</code> in config.json), and never to local or private addresses.', R.notAllowed),
  [GATEWAY_ERRORS.noTls]: entry(501, 'No https on Tornet',
    'Tornet sites are served over plain http://; their content is checked against its hash instead. Open the address with http:// instead of https://.', R.notAllowed),
  [GATEWAY_ERRORS.ownPagesRefused]: entry(403, 'Not this gateway’s pages',
    'This name points at the gateway’s own pages. They are only served at http://tornet.tor-net/ and http://{{GATEWAY}}/, never under another name.', R.notAllowed),
  [GATEWAY_ERRORS.noApp]: entry(501, 'Nothing here serves this address yet',
    'The name resolved, but this gateway has no application for what it points at.', R.notAllowed),
  [GATEWAY_ERRORS.unsupportedNetwork]: entry(501, 'Address on another network',
    'This name points into another anonymity network, which Tornet does not carry. Open the address with that network’s own browser or router.', R.notAllowed),
  [GATEWAY_ERRORS.methodNotAllowed]: entry(405, 'Method not allowed',
    'Tornet sites are read-only: only GET and HEAD requests are served.', R.generalFailure),
  [GATEWAY_ERRORS.notFound]: entry(404, 'Not found',
    'The gateway has no page at this address. The dashboard is at <a href="/">/</a>.', R.generalFailure),
  [GATEWAY_ERRORS.rangeNotSatisfiable]: entry(416, 'Range not satisfiable',
    'The requested part of the file lies outside it. Reload the whole file.', R.generalFailure),
  [GATEWAY_ERRORS.timeout]: entry(504, 'Timed out',
    'The network did not answer in time. Reload to try again.', R.ttlExpired),
  [GATEWAY_ERRORS.bodyTimeout]: entry(408, 'Request body too slow',
    'The request’s body arrived too slowly, or not within the time this page allows. Try again on a faster connection.', R.ttlExpired),
  [GATEWAY_ERRORS.upstreamFailed]: entry(502, 'Could not reach the site',
    'Pass-through could not connect to the site on the ordinary web.', R.hostUnreachable),
  [GATEWAY_ERRORS.pacMissing]: entry(500, 'PAC file missing',
    'The gateway could not find its PAC template (pac/proxy.pac). Reinstall Tornet.', R.generalFailure),
  [GATEWAY_ERRORS.stationNotFound]: entry(404, 'No relay carries this station',
    'No node on the network carries this station right now: its broadcaster may be offline, or the address may be wrong. ' +
    'Check the station id or name (the broadcaster sees both with <code>tornet radio list</code>), then try again; the stations this node knows are on the <a href="/">dashboard</a>.', R.hostUnreachable),

  // node's own codes
  HPE_HEADER_OVERFLOW: entry(431, 'Request headers too large',
    'The request’s headers are larger than this gateway accepts. Clearing this site’s cookies usually helps.', R.generalFailure, false),
  ERR_HTTP_REQUEST_TIMEOUT: entry(408, 'Request timeout', 'The request was not completed in time.', R.ttlExpired, false),
  ECONNREFUSED: entry(502, 'Connection refused', 'The site refused the connection.', R.connectionRefused),
  ECONNRESET: entry(502, 'Connection reset', 'The site closed the connection.', R.generalFailure),
  ENOTFOUND: entry(502, 'Host not found', 'DNS has no address for this host.', R.hostUnreachable),
  EAI_AGAIN: entry(502, 'Host not found', 'DNS could not be asked right now.', R.hostUnreachable),
  EHOSTUNREACH: entry(502, 'Host unreachable', 'There is no route to this host.', R.hostUnreachable),
  ENETUNREACH: entry(502, 'Network unreachable', 'There is no route to this network.', R.networkUnreachable),
  ETIMEDOUT: entry(504, 'Connection timed out', 'The site did not answer in time.', R.ttlExpired)
}

const UNKNOWN = entry(500, 'Gateway error',
  'Something went wrong inside the gateway. Reload to try again; if it keeps happening, the log has details.', R.generalFailure, false)

export function describeError (err: unknown): ErrorDescription & { code: string } {
  const code = errorCode(err)
  if (code !== undefined && code.startsWith('HPE_') && TABLE[code] === undefined) {
    return { ...TABLE[GATEWAY_ERRORS.badRequest]!, code, showMessage: false } // any other parse error
  }
  const known = code === undefined ? undefined : TABLE[code]
  return known === undefined ? { ...UNKNOWN, code: 'GATEWAY_INTERNAL' } : { ...known, code: code! }
}

export function errorToSocksReply (err: unknown): Socks5ReplyCode {
  return describeError(err).socks
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
    headers: {
      'content-type': 'text/html; charset=utf-8',
      'content-length': String(Buffer.byteLength(body)),
      'cache-control': 'no-store',
      'x-content-type-options': 'nosniff',
      'x-tornet-error': d.code
    },
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
