/**
 * Where the client wants to go, from the request target (origin form or an
 * absolute http:// URL), the Host header, or the tunnel the request came
 * through.
 *
 * A browser asks for the same few URLs again and again, and parsing them is a
 * good part of what a cached page costs: parsed targets and Host headers are
 * remembered by their exact text. Each gateway owns one parser (with its
 * tunnels), so the memory is bounded per gateway and two gateways share nothing.
 */
import type { IncomingMessage } from 'node:http'
import { GATEWAY_ERRORS, gatewayError } from '../errors.js'
import { isTornetHost, parseAuthority, type Authority } from '../hosts.js'
import type { ResolveTarget } from '../ports.js'
import { NO_ISOLATION, isolationFromProxyAuthorization } from './isolation.js'
import type { RequestDestination } from './request-context.js'
import type { TunnelRegistry } from './tunnel-context.js'

export interface Destination extends RequestDestination {
  tunnelTarget?: ResolveTarget // resolved when the tunnel opened
}

const MEMO_ENTRIES = 1024
const MEMO_KEY_LENGTH = 2048

interface ParsedPath { pathname: string, search: string }
interface ParsedAbsolute extends ParsedPath { host: string, port: number }

export class DestinationParser {
  private readonly originForms = new Map<string, ParsedPath>()
  private readonly absoluteForms = new Map<string, ParsedAbsolute>()
  private readonly hostHeaders = new Map<string, Authority>()

  constructor (private readonly tunnels: TunnelRegistry) {}

  /** Works out where the client wants to go; a fresh object each time (callers may keep it). */
  destinationOf (req: IncomingMessage): Destination {
    const raw = req.url ?? ''
    const tunnel = this.tunnels.of(req.socket)
    if (raw.startsWith('/')) {
      const { pathname, search } = this.originForm(raw)
      if (tunnel !== undefined) {
        return { host: tunnel.host, port: tunnel.port, via: tunnel.via, pathname, search, tunnelTarget: tunnel.target, isolation: tunnel.isolation }
      }
      const header = req.headers.host
      const authority = header === undefined || header === '' ? undefined : this.hostHeader(header)
      return { host: authority?.host ?? '', port: authority?.port ?? 80, via: 'direct', pathname, search, isolation: NO_ISOLATION }
    }
    const url = this.absoluteForm(raw)
    // A proxy request names its credentials per request; inside a tunnel, the tunnel's hold.
    const isolation = tunnel?.isolation ?? isolationFromProxyAuthorization(req.headers['proxy-authorization'])
    return { host: url.host, port: url.port, via: tunnel?.via ?? 'http-proxy', pathname: url.pathname, search: url.search, isolation }
  }

  private originForm (raw: string): ParsedPath {
    const known = this.originForms.get(raw)
    if (known !== undefined) return known
    if (raw.startsWith('//')) throw badRequest('The request path is not valid.')
    const url = new URL(raw, 'http://gateway.invalid')
    return remember(this.originForms, raw, { pathname: oneLeadingSlash(url.pathname), search: url.search })
  }

  private absoluteForm (raw: string): ParsedAbsolute {
    const known = this.absoluteForms.get(raw)
    if (known !== undefined) return known
    let url: URL
    try {
      url = new URL(raw)
    } catch {
      throw badRequest('The request target is neither a path nor an http:// URL.')
    }
    const authority = parseAuthority(url.host)
    if (authority === undefined) throw badRequest('The URL has no valid host name.')
    if (url.protocol === 'https:' && isTornetHost(authority.host)) {
      throw gatewayError(GATEWAY_ERRORS.noTls, `Open http://${authority.host}/ instead: there is no https on Tornet.`)
    }
    if (url.protocol !== 'http:') throw badRequest(`The gateway proxies http:// URLs, not ${url.protocol}//.`)
    return remember(this.absoluteForms, raw, { host: authority.host, port: authority.port ?? 80, pathname: oneLeadingSlash(url.pathname), search: url.search })
  }

  private hostHeader (value: string): Authority {
    const known = this.hostHeaders.get(value)
    if (known !== undefined) return known
    const authority = parseAuthority(value)
    if (authority === undefined) throw badRequest('The Host header is not a valid host name.')
    return remember(this.hostHeaders, value, authority)
  }
}

function remember<V> (memo: Map<string, V>, key: string, value: V): V {
  if (key.length > MEMO_KEY_LENGTH) return value
  if (memo.size >= MEMO_ENTRIES) memo.delete(memo.keys().next().value as string)
  memo.set(key, value)
  return value
}

function badRequest (why: string): Error {
  return gatewayError(GATEWAY_ERRORS.badRequest, why)
}

/**
 * "/.//evil.com" parses to the path "//evil.com" (and "/\evil.com" too). Apps echo paths into
 * Location (a directory's missing slash), where "//evil.com/" is a protocol-relative URL to
 * another site: every path an app sees starts with exactly one slash.
 */
function oneLeadingSlash (pathname: string): string {
  return pathname.startsWith('//') ? pathname.replace(/^\/+/, '/') : pathname
}
