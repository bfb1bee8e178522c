import type { IncomingMessage } from 'node:http'
import { formatHostPort } from '../node/index.js'
import type { GatewayInfo } from './app.js'
import { parseAuthority } from './hosts.js'

/**
 * host:port under which a client reaches the gateway (for the PAC file, instructions and error
 * advice). A gateway listening on every interface is reached by the name the client used, or
 * else at 127.0.0.1.
 */
export function gatewayAuthority (info: GatewayInfo, req?: IncomingMessage): string {
  const unspecified = info.host === '0.0.0.0' || info.host === '::'
  if (unspecified && req?.headers.host !== undefined) {
    const asked = parseAuthority(req.headers.host)
    if (asked !== undefined) return formatHostPort(asked.host, info.port)
  }
  return formatHostPort(unspecified ? '127.0.0.1' : info.host, info.port)
}
