/**
 * Requests for the ordinary web, reached only with pass-through on: a .bit
 * name whose record holds an IP, or (as an HTTP proxy) any other host. A
 * .bit record may not send us to a loopback or private address (DNS
 * rebinding against this machine's own services).
 */
import type { LookupFunction } from 'node:net'
import type { GatewayApp } from '../app.js'
import { GATEWAY_ERRORS, gatewayError } from '../errors.js'
import { isPublicAddress, isTornetHost, otherNetworkOf } from '../hosts.js'
import { forwardHttp } from '../pass-through.js'

export interface ClearnetAppOptions {
  tornetSuffixes: readonly string[]
  connectTimeoutMs: number
  lookup?: LookupFunction
}

export function createClearnetApp (options: ClearnetAppOptions): GatewayApp {
  return {
    name: 'clearnet',
    matches: ctx => ctx.target.kind === 'clearnet',
    async handle (req, res, ctx) {
      if (ctx.target.kind !== 'clearnet') throw new Error('clearnet app given another target')
      const fromRecord = isTornetHost(ctx.host, options.tornetSuffixes)
      if (!ctx.gateway.passThrough) {
        throw gatewayError(GATEWAY_ERRORS.clearnetRefused,
          `${ctx.host} points at the ordinary internet (${ctx.target.addresses.join(', ') || ctx.target.host}), and pass-through is off.`)
      }
      let connectHost = ctx.target.host
      if (otherNetworkOf(connectHost) !== undefined) {
        throw gatewayError(GATEWAY_ERRORS.unsupportedNetwork, `${connectHost} belongs to another anonymity network; it is never looked up in DNS.`)
      }
      if (fromRecord) {
        const address = ctx.target.addresses.find(isPublicAddress)
        if (address === undefined) {
          throw gatewayError(GATEWAY_ERRORS.clearnetRefused, `${ctx.host} points at a local or private address, which is never opened through a name.`)
        }
        connectHost = address
      }
      await forwardHttp(req, res, {
        connectHost,
        port: ctx.target.port ?? ctx.port,
        path: ctx.pathname + ctx.search,
        timeoutMs: options.connectTimeoutMs,
        lookup: options.lookup,
        signal: ctx.signal
      })
    }
  }
}
