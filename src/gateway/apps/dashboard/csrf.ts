/**
 * Cross-site request forgery guard for the dashboard's POSTs. The gateway
 * listens on localhost, but any page the browser opens could submit a form
 * to it. Two checks, both required:
 *
 *  1. Origin (or, without it, Referer) names this very gateway: the same
 *     host and port the request was sent to, and that host is one by which
 *     the gateway is reached (loopback, an IP literal, tornet.tor-net,
 *     mail.tor-net). A
 *     request carrying neither header is refused: browsers send Origin on
 *     every POST, scripts can send it too.
 *  2. A per-process random token, embedded in the dashboard page, comes back
 *     in the form field `csrf` (or the header `x-tornet-csrf`). Another site
 *     cannot read the page, so it cannot know the token.
 */
import { randomBytes, timingSafeEqual } from 'node:crypto'
import type { IncomingMessage } from 'node:http'
import { DASHBOARD_HOST, MAIL_HOST } from '../../../node/index.js'
import { isIpLiteral, isLoopbackHost, parseAuthority } from '../../hosts.js'

export const CSRF_FIELD = 'csrf'
export const CSRF_HEADER = 'x-tornet-csrf'

export function newCsrfToken (): string {
  return randomBytes(32).toString('base64url')
}

export function tokensEqual (expected: string, given: string | undefined): boolean {
  if (given === undefined) return false
  const a = Buffer.from(expected)
  const b = Buffer.from(given)
  return a.length === b.length && timingSafeEqual(a, b)
}

/** The host and port a request was addressed to (as the gateway's context holds them). */
export interface RequestAuthority {
  host: string
  port: number
}

function isGatewayHost (host: string): boolean {
  return host === DASHBOARD_HOST || host === MAIL_HOST || isLoopbackHost(host) || isIpLiteral(host)
}

/** The origin's host and port when it is an http:// URL, else undefined. */
function authorityOfUrl (raw: string): RequestAuthority | undefined {
  let url: URL
  try {
    url = new URL(raw)
  } catch {
    return undefined
  }
  if (url.protocol !== 'http:') return undefined
  const authority = parseAuthority(url.host)
  if (authority === undefined) return undefined
  return { host: authority.host, port: authority.port ?? 80 }
}

/** True when the request's Origin (or Referer) is the gateway the request was sent to. */
export function isSameGatewayOrigin (req: IncomingMessage, target: RequestAuthority): boolean {
  if (!isGatewayHost(target.host)) return false
  const origin = headerOf(req, 'origin')
  const source = origin ?? headerOf(req, 'referer')
  if (source === undefined || source === 'null') return false
  const from = authorityOfUrl(source)
  return from !== undefined && from.host === target.host && from.port === target.port
}

/**
 * True when the browser says another site is reading one of the gateway's pages (a fetch(), an
 * image, a script, a frame), not the user opening it: an Origin header that is not the gateway's
 * own, or Fetch Metadata (which Firefox sends to 127.0.0.1) marking a cross-site or same-site
 * request that is not a top-level navigation. Without CORS headers the other site could not read
 * the answer anyway; refusing it (403) also keeps it from running the page's work or timing it.
 * A link from another site still opens the page: a top-level GET carries no Origin.
 */
export function isCrossSiteRead (req: IncomingMessage, target: RequestAuthority): boolean {
  if (headerOf(req, 'origin') !== undefined && !isSameGatewayOrigin(req, target)) return true
  const site = headerOf(req, 'sec-fetch-site')
  if (site !== 'cross-site' && site !== 'same-site') return false
  const dest = headerOf(req, 'sec-fetch-dest')
  return headerOf(req, 'sec-fetch-mode') !== 'navigate' || (dest !== undefined && dest !== 'document')
}

function headerOf (req: IncomingMessage, name: string): string | undefined {
  const value = req.headers[name]
  return typeof value === 'string' && value.length > 0 ? value : undefined
}

/** The token from the x-tornet-csrf header, if one was sent. */
export function headerToken (req: IncomingMessage): string | undefined {
  return headerOf(req, CSRF_HEADER)
}
