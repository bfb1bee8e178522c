/**
 * The gateway's own pages: plain HTTP to 127.0.0.1:<port> (or localhost) and
 * http://tornet.tor-net/. A small route table that the dashboard, radio and
 * others extend with register(); '/' starts as a placeholder page and
 * '/proxy.pac' serves the PAC file.
 */
import type { IncomingMessage, ServerResponse } from 'node:http'
import { MAIL_HOST, SEARCH_HOST } from '../../node/index.js'
import type { GatewayApp, GatewayRequestContext } from '../app.js'
import { GATEWAY_ERRORS, gatewayError } from '../errors.js'
import { sendErrorPage } from '../error-page.js'
import { gatewayAuthority } from '../gateway-authority.js'
import { HTML_CONTENT_TYPE, escapeHtml, htmlPage } from '../html.js'
import { sendNoStore } from '../no-store-reply.js'
import { PAC_CONTENT_TYPE, renderPac } from '../pac.js'

export interface LocalRoute {
  path: string // exact path; with `prefix`, every path under it ('/radio/' matches '/radio/x')
  prefix?: boolean
  methods?: string[] // default GET and HEAD
  bodyTimeoutMs?: number // this route's deadline for a request body (see GatewayApp.bodyTimeoutMs)
  handle (req: IncomingMessage, res: ServerResponse, ctx: GatewayRequestContext): Promise<void> | void
}

export class LocalApp implements GatewayApp {
  readonly name = 'local'
  private readonly routes: LocalRoute[] = []

  constructor (routes: LocalRoute[] = []) {
    for (const route of routes) this.register(route)
  }

  /** Adds a route; one with the same path (and prefix flag) is replaced. */
  register (route: LocalRoute): void {
    const index = this.routes.findIndex(r => r.path === route.path && (r.prefix ?? false) === (route.prefix ?? false))
    if (index >= 0) this.routes[index] = route
    else this.routes.push(route)
  }

  matches (ctx: GatewayRequestContext): boolean {
    // mail.tor-net and search.tor-net are the gateway's too, but only the webmail and the search app answer there.
    return ctx.target.kind === 'gateway' && ctx.host !== MAIL_HOST && ctx.host !== SEARCH_HOST
  }

  bodyTimeoutMs (ctx: GatewayRequestContext): number | undefined {
    return this.find(ctx.pathname)?.bodyTimeoutMs
  }

  find (pathname: string): LocalRoute | undefined {
    const exact = this.routes.find(r => r.prefix !== true && r.path === pathname)
    if (exact !== undefined) return exact
    let best: LocalRoute | undefined
    for (const r of this.routes) {
      if (r.prefix === true && pathname.startsWith(r.path) && (best === undefined || r.path.length > best.path.length)) best = r
    }
    return best
  }

  async handle (req: IncomingMessage, res: ServerResponse, ctx: GatewayRequestContext): Promise<void> {
    const route = this.find(ctx.pathname)
    if (route === undefined) throw gatewayError(GATEWAY_ERRORS.notFound, `The gateway has no page ${ctx.pathname}.`)
    const methods = route.methods ?? ['GET', 'HEAD']
    if (!methods.includes(req.method ?? '')) {
      sendErrorPage(res, gatewayError(GATEWAY_ERRORS.methodNotAllowed, `${req.method ?? ''} is not allowed on ${ctx.pathname}.`),
        { host: ctx.host, method: req.method }, { allow: methods.join(', ') })
      return
    }
    await route.handle(req, res, ctx)
  }
}

export function pacRoute (template: string): LocalRoute {
  return {
    path: '/proxy.pac',
    handle (req, res, ctx) {
      const body = renderPac(template, gatewayAuthority(ctx.gateway, req))
      res.writeHead(200, {
        'content-type': PAC_CONTENT_TYPE,
        'content-length': String(Buffer.byteLength(body)),
        'cache-control': 'no-cache'
      })
      res.end(req.method === 'HEAD' ? undefined : body)
    }
  }
}

/** Stands at '/' until the dashboard registers itself there. */
export function placeholderDashboardRoute (): LocalRoute {
  return {
    path: '/',
    handle (req, res, ctx) {
      const authority = escapeHtml(gatewayAuthority(ctx.gateway, req))
      const body = htmlPage('Tornet gateway', [
        '<h1>Tornet gateway</h1>',
        `<p>This is the Tornet gateway at <code>${authority}</code>. It opens <code>.tor-net</code> and Namecoin <code>.bit</code> sites.</p>`,
        '<h2>Set up your browser</h2><ul>',
        `<li>Automatic proxy configuration URL: <a href="/proxy.pac"><code>http://${authority}/proxy.pac</code></a> (only Tornet addresses use the gateway), or</li>`,
        `<li>HTTP proxy <code>${authority}</code>, or</li>`,
        `<li>SOCKS5 proxy <code>${authority}</code> with “proxy DNS when using SOCKS v5” turned on.</li></ul>`,
        `<p>Pass-through to the ordinary web: <strong>${ctx.gateway.passThrough ? 'on' : 'off'}</strong>.</p>`,
        '<p>Then open <a href="http://tornet.tor-net/">http://tornet.tor-net/</a> to see this page through the proxy.</p>'
      ].join('\n'))
      sendNoStore(req, res, HTML_CONTENT_TYPE, body)
    }
  }
}
