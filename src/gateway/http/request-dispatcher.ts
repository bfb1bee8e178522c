/**
 * The gateway's 'request' listener: every HTTP request, whatever way it came
 * in, becomes one GatewayRequestContext: where the client wants to go (Host
 * header, absolute URL or tunnel), what that resolves to, and which app
 * answers. Failures end as error pages here.
 *
 * A request for a page served before should cost little more than plain
 * HTTP, so the common path makes nothing it may not need: parsed URLs are
 * remembered (DestinationParser), a resolution the resolver has cached is
 * taken without a deadline timer, and the request's AbortSignal exists only
 * once asked for.
 */
import type { IncomingMessage, ServerResponse } from 'node:http'
import type { GatewayInfo } from '../app.js'
import { DASHBOARD_HOST, MAIL_HOST, SEARCH_HOST, TORNET_SUFFIX } from '../../node/index.js'
import { withDeadline } from '../abort.js'
import { GATEWAY_ERRORS, gatewayError } from '../errors.js'
import { sendErrorPage } from '../error-page.js'
import { gatewayAuthority } from '../gateway-authority.js'
import { isIpLiteral, isLoopbackHost, isTornetHost, otherNetworkOf } from '../hosts.js'
import type { GatewayLog, GatewayResolver, ResolveTarget } from '../ports.js'
import type { Router } from '../router.js'
import { BodyGuard, type BodyLimits } from './body-guard.js'
import type { Destination, DestinationParser } from './destination-parser.js'
import { noAppFor } from './no-app-error.js'
import { RequestContext } from './request-context.js'
import { RequestSignal } from './request-signal.js'

export interface RequestDispatcherDeps {
  resolver: GatewayResolver
  router: Router
  gateway: GatewayInfo
  tornetSuffixes: readonly string[]
  resolveTimeoutMs: number
  signal: AbortSignal // the gateway's lifetime
  log: GatewayLog
  body: BodyLimits
  destinations: DestinationParser // this gateway's, with its memory of parsed targets
}

const GATEWAY_TARGET: ResolveTarget = Object.freeze({ kind: 'gateway' })

/**
 * The gateway's own pages (dashboard, /api/status with the CSRF token) are
 * decided here, from the host the client named: 127.0.0.1/localhost at our
 * port, or tornet.tor-net. A resolver's answer never leads there: served
 * under http://evil.bit/, they would be readable by evil.bit's own scripts
 * once its record switched (DNS rebinding in name form).
 */
function notOwnPages (target: ResolveTarget, host: string): ResolveTarget {
  if (target.kind !== 'gateway') return target
  throw gatewayError(GATEWAY_ERRORS.ownPagesRefused, `${host} points at this gateway's own pages, which are only served as http://${DASHBOARD_HOST}/ or on 127.0.0.1.`)
}

export function createRequestDispatcher (deps: RequestDispatcherDeps): (req: IncomingMessage, res: ServerResponse) => void {
  const resolveCached = deps.resolver.resolveCached?.bind(deps.resolver)

  /** The target when it is known without waiting (the gateway itself, a tunnel's, a cached name); undefined: ask the resolver. */
  function targetNow (dest: Destination): ResolveTarget | undefined {
    if (dest.via === 'direct') {
      // Plain HTTP to our own port: only names that mean "this machine" reach the gateway's pages;
      // a foreign Host here is a misdirected request or DNS rebinding.
      if (dest.host === '' || isLoopbackHost(dest.host) || isIpLiteral(dest.host)) return GATEWAY_TARGET
      if (!isTornetHost(dest.host, deps.tornetSuffixes)) {
        throw gatewayError(GATEWAY_ERRORS.notTornet, `${dest.host} is not served by this gateway.`)
      }
    } else if (dest.port === deps.gateway.port && isLoopbackHost(dest.host)) { // read now: port 0 is bound later
      return GATEWAY_TARGET // a browser proxying everything, opening the gateway's own page
    }
    // The webmail's and the search app's hosts are the gateway's own too: a name "mail" or "search" registered by someone must never take them.
    if (dest.host === DASHBOARD_HOST || dest.host === MAIL_HOST || dest.host === SEARCH_HOST) return GATEWAY_TARGET
    if (dest.tunnelTarget !== undefined) return notOwnPages(dest.tunnelTarget, dest.host)
    if (!isTornetHost(dest.host, deps.tornetSuffixes)) {
      const network = otherNetworkOf(dest.host)
      if (network !== undefined) return { kind: 'unsupported', network, address: dest.host, message: '' } // never to DNS
      if (deps.gateway.passThrough) return { kind: 'clearnet', host: dest.host, addresses: [] }
      throw gatewayError(GATEWAY_ERRORS.notTornet, `${dest.host} is not a .tor-net or .bit address, and pass-through is off.`)
    }
    const cached = resolveCached?.(dest.host)
    return cached === undefined ? undefined : notOwnPages(cached, dest.host)
  }

  async function resolveTarget (dest: Destination, signal: AbortSignal): Promise<ResolveTarget> {
    const target = await withDeadline(s => deps.resolver.resolve(dest.host, { signal: s, isolation: dest.isolation }), signal, deps.resolveTimeoutMs, `Resolving ${dest.host}`)
    return notOwnPages(target, dest.host)
  }

  async function handle (req: IncomingMessage, res: ServerResponse, request: RequestSignal, body: BodyGuard | undefined): Promise<void> {
    let host: string | undefined
    try {
      const dest = deps.destinations.destinationOf(req)
      host = dest.host === '' ? undefined : dest.host
      const target = targetNow(dest) ?? await resolveTarget(dest, request.signal)
      const ctx = new RequestContext(dest, target, isContentAddress(dest.host, target), request, deps.gateway, deps.log)
      const app = deps.router.find(ctx, req)
      if (app === undefined) throw noAppFor(target, dest.host)
      const bodyTimeoutMs = body === undefined ? undefined : app.bodyTimeoutMs?.(ctx)
      if (bodyTimeoutMs !== undefined) body?.setDeadline(bodyTimeoutMs)
      await app.handle(req, res, ctx)
    } catch (err) {
      if (request.aborted && (res.destroyed || deps.signal.aborted)) return // client or gateway gone
      if (errorCodeIsInternal(err)) deps.log('warn', 'request failed', { host, url: req.url, error: String(err) })
      sendErrorPage(res, err, { host, method: req.method, gateway: gatewayAuthority(deps.gateway) })
    }
  }

  const authority = (): string => gatewayAuthority(deps.gateway)
  return (req, res) => {
    void handle(req, res, new RequestSignal(res, deps.signal), BodyGuard.watch(req, res, deps.body, authority))
  }
}

/** <reference>.tor-net: bytes that can never change (a name, or a sub-domain, may move). */
function isContentAddress (host: string, target: ResolveTarget): boolean {
  if (target.kind !== 'content') return false
  const reference = target.reference
  if (host.length !== reference.length + TORNET_SUFFIX.length || !host.endsWith(TORNET_SUFFIX)) return false
  // The host is lowercase; a reference usually is too, and then needs no lowercased copy.
  return host.startsWith(reference) || host.startsWith(reference.toLowerCase())
}

function errorCodeIsInternal (err: unknown): boolean {
  const code = (err as { code?: unknown } | undefined)?.code
  return typeof code !== 'string'
}
