/**
 * What an application on the gateway sees. The listener and the proxy code
 * turn every request (plain HTTP, HTTP proxy, CONNECT or SOCKS tunnel) into
 * one GatewayRequestContext; the router hands it to the first app that wants
 * it. Webmail, radio and the dashboard plug in here without touching the
 * listener.
 */
import type { IncomingMessage, ServerResponse } from 'node:http'
import type { GatewayLog, ResolveTarget } from './ports.js'

/** How the request reached us. */
export type RequestVia = 'direct' | 'http-proxy' | 'connect' | 'socks'

export interface GatewayInfo {
  host: string // bound host
  port: number // bound port
  passThrough: boolean
}

export interface GatewayRequestContext {
  host: string // lowercase host the client asked for, without port
  port: number // the port it asked for (80 if none)
  target: ResolveTarget
  via: RequestVia
  pathname: string // as in the URL: percent-encoded, dot segments removed, starts with exactly one '/'
  search: string // '' or '?…'
  isContentAddress: boolean // host is <reference>.tor-net: the bytes can never change
  /**
   * The user name the client gave the proxy (SOCKS5 username, SOCKS4 user id, Proxy-Authorization
   * Basic), '' when none: requests with different tags must not share a circuit (Tor's
   * IsolateSOCKSAuth). Not a credential: nothing checks it.
   */
  isolation: string
  /** Aborts when the client goes away or the gateway closes. Made on first use (a getter): read it, don't spread ctx. */
  readonly signal: AbortSignal
  gateway: GatewayInfo
  log: GatewayLog
}

export interface GatewayApp {
  readonly name: string
  matches (ctx: GatewayRequestContext, req: IncomingMessage): boolean
  /**
   * How long this request's body may take from the start of the request, when the app wants
   * other than the gateway's bodyTimeoutMs (an upload: longer). 0: no deadline, only the
   * minimum body rate. undefined: the gateway's default.
   */
  bodyTimeoutMs?: (ctx: GatewayRequestContext) => number | undefined
  /** Answers the request; throwing is fine: the caller turns the error into an error page. */
  handle (req: IncomingMessage, res: ServerResponse, ctx: GatewayRequestContext): Promise<void>
}
