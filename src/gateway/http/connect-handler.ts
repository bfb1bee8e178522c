/**
 * HTTP CONNECT. Browsers and undici's ProxyAgent tunnel even plain http://
 * through CONNECT, so a Tornet host gets "200 Connection Established" and
 * the tunnel is served by our own HTTP server; other hosts go straight
 * through when pass-through is on, and get a real error page otherwise.
 */
import type { IncomingMessage } from 'node:http'
import type { Socket } from 'node:net'
import { GATEWAY_ERRORS, gatewayError } from '../errors.js'
import { rawErrorResponse } from '../error-page.js'
import { parseAuthority } from '../hosts.js'
import { splice } from '../pass-through.js'
import { isolationFromProxyAuthorization } from './isolation.js'
import type { TunnelDeps } from '../tunnel-plan.js'

const ESTABLISHED = 'HTTP/1.1 200 Connection Established\r\n\r\n'

export function createConnectHandler (deps: TunnelDeps): (req: IncomingMessage, socket: Socket, head: Buffer) => void {
  const refuse = (socket: Socket, err: unknown, host?: string): void => {
    if (socket.writable) socket.end(rawErrorResponse(err, { host, gateway: deps.gatewayAuthority }))
    else socket.destroy()
  }

  async function handle (req: IncomingMessage, socket: Socket, head: Buffer): Promise<void> {
    const authority = parseAuthority(req.url ?? '')
    if (deps.isTunnel(socket) || authority === undefined || authority.port === undefined) {
      refuse(socket, gatewayError(GATEWAY_ERRORS.badRequest, 'CONNECT needs host:port (and cannot be nested in a tunnel).'))
      return
    }
    const { host, port } = authority
    let isolation: string
    try {
      isolation = isolationFromProxyAuthorization(req.headers['proxy-authorization'])
    } catch (err) {
      refuse(socket, err, host)
      return
    }
    socket.pause() // bytes the client sends early wait in the socket until we know where they go
    const plan = await deps.plan(host, port, isolation)
    if (socket.destroyed) return
    if (plan.action === 'refuse') {
      deps.log('debug', 'CONNECT refused', { host, port, error: plan.error.message })
      refuse(socket, plan.error, host)
      return
    }
    if (plan.action === 'serve') {
      socket.write(ESTABLISHED)
      deps.established(socket)
      deps.handToHttp(socket, { via: 'connect', host, port, target: plan.target, isolation }, head)
      return
    }
    let upstream: Socket
    try {
      upstream = await deps.openDirect(plan.host, plan.port)
    } catch (err) {
      refuse(socket, err, host)
      return
    }
    if (socket.destroyed) {
      upstream.destroy()
      return
    }
    socket.write(ESTABLISHED)
    deps.established(socket)
    splice(socket, upstream, head)
  }

  return (req, socket, head) => {
    handle(req, socket, head).catch((err: unknown) => {
      deps.log('warn', 'CONNECT failed', { url: req.url, error: String(err) })
      refuse(socket, err)
    })
  }
}
