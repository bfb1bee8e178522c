/**
 * The GatewayRequestContext the request dispatcher gives apps: a class, so the
 * lazily made `signal` is a getter on the prototype. (An object literal with
 * a getter costs a closure per request, and V8 kept such objects alive long
 * enough to push every request's objects into the old generation: six times
 * the garbage-collection time of plain HTTP.) Read fields off it; do not
 * spread it, which would drop `signal`.
 */
import type { GatewayInfo, GatewayRequestContext, RequestVia } from '../app.js'
import type { GatewayLog, ResolveTarget } from '../ports.js'
import type { RequestSignal } from './request-signal.js'

/** Where the request goes, as the handler worked it out. */
export interface RequestDestination {
  host: string
  port: number
  via: RequestVia
  pathname: string
  search: string
  isolation: string // the proxy user name the request came with ('' when none): isolation.ts
}

export class RequestContext implements GatewayRequestContext {
  readonly host: string
  readonly port: number
  readonly via: RequestVia
  readonly pathname: string
  readonly search: string
  readonly isolation: string

  constructor (dest: RequestDestination, readonly target: ResolveTarget, readonly isContentAddress: boolean,
    private readonly request: RequestSignal, readonly gateway: GatewayInfo, readonly log: GatewayLog) {
    this.host = dest.host
    this.port = dest.port
    this.via = dest.via
    this.pathname = dest.pathname
    this.search = dest.search
    this.isolation = dest.isolation
  }

  get signal (): AbortSignal {
    return this.request.signal
  }
}
