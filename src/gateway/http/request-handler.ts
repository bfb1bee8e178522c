/**
 * Every HTTP request, whatever way it came in, becomes one
 * GatewayRequestContext: where the client wants to go (Host header, absolute
 * URL or tunnel), what that resolves to, and which app answers. Failures end
 * as error pages here.
 */
import type { IncomingMessage, ServerResponse } from 'node:http'
import type { GatewayInfo, GatewayRequestContext, RequestVia } from '../app.js'
import { withDeadline } from '../abort.js'
import { GATEWAY_ERRORS, gatewayError } from '../errors.js'
import { sendErrorPage } from '../error-page.js'
import { isIpLiteral, isLoopbackHost, isTornetHost, parseAuthority } from '../hosts.js'
import type { GatewayLog, ResolveTarget, Resolver } from '../ports.js'
import type { Router } from '../router.js'
import { tunnelOf } from './tunnel-context.js'

export interface RequestHandlerDeps {
  resolver: Resolver
  router: Router
  gateway: GatewayInfo
  tornetSuffixes: readonly string[]
  resolveTimeoutMs: number
  signal: AbortSignal // the gateway's lifetime
  log: GatewayLog
}

interface Destination {
  host: string
  port: number
  via: RequestVia
  pathname: string
  search: string
  tunnelTarget?: ResolveTarget
}

function badRequest (why: string): Error {
  return gatewayError(GATEWAY_ERRORS.badRequest, why)
}

/** Works out where the client wants to go. */
export function destinationOf (req: IncomingMessage): Destination {
  const raw = req.url ?? ''
  const tunnel = tunnelOf(req.socket)
  if (raw.startsWith('/')) {
    if (raw.startsWith('//')) throw badRequest('The request path is not valid.')
    const url = new URL(raw, 'http://gateway.invalid')
    if (tunnel !== undefined) {
      return { host: tunnel.host, port: tunnel.port, via: tunnel.via, pathname: url.pathname, search: url.search, tunnelTarget: tunnel.target }
    }
    const hostHeader = req.headers.host
    const authority = hostHeader === undefined || hostHeader === '' ? { host: '', port: undefined } : parseAuthority(hostHeader)
    if (authority === undefined) throw badRequest('The Host header is not a valid host name.')
    return { host: authority.host, port: authority.port ?? 80, via: 'direct', pathname: url.pathname, search: url.search }
  }
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
  return {
    host: authority.host,
    port: authority.port ?? 80,
    via: tunnel?.via ?? 'http-proxy',
    pathname: url.pathname,
    search: url.search
  }
}

export function createRequestHandler (deps: RequestHandlerDeps): (req: IncomingMessage, res: ServerResponse) => void {
  const gatewayPort = deps.gateway.port

  async function targetOf (dest: Destination, signal: AbortSignal): Promise<ResolveTarget> {
    if (dest.via === 'direct') {
      // Plain HTTP to our own port: only names that mean "this machine" reach the gateway's pages;
      // a foreign Host here is a misdirected request or DNS rebinding.
      if (dest.host === '' || isLoopbackHost(dest.host) || isIpLiteral(dest.host)) return { kind: 'gateway' }
      if (!isTornetHost(dest.host, deps.tornetSuffixes)) {
        throw gatewayError(GATEWAY_ERRORS.notTornet, `${dest.host} is not served by this gateway.`)
      }
    } else if (isLoopbackHost(dest.host) && dest.port === gatewayPort) {
      return { kind: 'gateway' } // a browser proxying everything, opening the gateway's own page
    }
    if (dest.tunnelTarget !== undefined) return dest.tunnelTarget
    if (!isTornetHost(dest.host, deps.tornetSuffixes)) {
      if (deps.gateway.passThrough) return { kind: 'clearnet', host: dest.host, addresses: [] }
      throw gatewayError(GATEWAY_ERRORS.notTornet, `${dest.host} is not a .tor-net or .bit address, and pass-through is off.`)
    }
    return await withDeadline(s => deps.resolver.resolve(dest.host, { signal: s }), signal, deps.resolveTimeoutMs, `Resolving ${dest.host}`)
  }

  async function handle (req: IncomingMessage, res: ServerResponse, signal: AbortSignal): Promise<void> {
    let host: string | undefined
    try {
      const dest = destinationOf(req)
      host = dest.host === '' ? undefined : dest.host
      const target = await targetOf(dest, signal)
      const ctx: GatewayRequestContext = {
        host: dest.host,
        port: dest.port,
        target,
        via: dest.via,
        pathname: dest.pathname,
        search: dest.search,
        isContentAddress: target.kind === 'content' && dest.host === `${target.reference.toLowerCase()}.tor-net`,
        signal,
        gateway: deps.gateway,
        log: deps.log
      }
      const app = deps.router.find(ctx, req)
      if (app === undefined) throw noAppFor(target, dest.host)
      await app.handle(req, res, ctx)
    } catch (err) {
      if (signal.aborted && (res.destroyed || deps.signal.aborted)) return // client or gateway gone
      if (errorCodeIsInternal(err)) deps.log('warn', 'request failed', { host, url: req.url, error: String(err) })
      sendErrorPage(res, err, { host, method: req.method, gateway: gatewayAuthorityOf(deps.gateway) })
    }
  }

  return (req, res) => {
    const controller = new AbortController()
    const abort = (): void => controller.abort(gatewayError(GATEWAY_ERRORS.badRequest, 'The client went away.'))
    res.once('close', () => { if (!res.writableFinished) abort() })
    const onGatewayClose = (): void => abort()
    deps.signal.addEventListener('abort', onGatewayClose, { once: true })
    res.once('close', () => deps.signal.removeEventListener('abort', onGatewayClose))
    void handle(req, res, controller.signal)
  }
}

function noAppFor (target: ResolveTarget, host: string): Error {
  switch (target.kind) {
    case 'unsupported':
      return gatewayError(GATEWAY_ERRORS.unsupportedNetwork,
        `${host} points to a ${target.network} address (${target.address}): open it in ${networkBrowser(target.network)}.` +
        (target.message.length > 0 ? ` ${target.message}` : ''))
    case 'clearnet':
      return gatewayError(GATEWAY_ERRORS.clearnetRefused, `${host} points at the ordinary internet, and pass-through is off.`)
    default:
      return gatewayError(GATEWAY_ERRORS.noApp, `${host} resolves to a ${target.kind}, which this gateway cannot open yet.`)
  }
}

function networkBrowser (network: string): string {
  if (network === 'tor') return 'Tor Browser'
  if (network === 'i2p') return 'a browser set up for I2P'
  if (network === 'freenet') return 'Freenet (Hyphanet)'
  return `software for the ${network} network`
}

function errorCodeIsInternal (err: unknown): boolean {
  const code = (err as { code?: unknown } | undefined)?.code
  return typeof code !== 'string'
}

function gatewayAuthorityOf (info: GatewayInfo): string {
  const host = info.host === '0.0.0.0' || info.host === '::' ? '127.0.0.1' : info.host
  return host.includes(':') ? `[${host}]:${info.port}` : `${host}:${info.port}`
}
