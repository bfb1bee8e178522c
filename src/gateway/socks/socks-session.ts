/**
 * One SOCKS client on the mixed port: feeds the handshake state machine,
 * writes its replies, and once the request is in, serves the tunnel over
 * HTTP (Tornet hosts), connects straight through (pass-through), or replies
 * with the refusal code. Host names arrive unresolved (remote DNS) and are
 * never looked up locally unless pass-through sends them to the clearnet.
 */
import type { Socket } from 'node:net'
import { splice } from '../pass-through.js'
import type { TunnelDeps } from '../tunnel-plan.js'
import { SOCKS5_REPLY } from './constants.js'
import { errorToSocksReply } from './error-to-reply.js'
import { SocksHandshake, replyFor, type SocksEvent, type SocksRequest } from './handshake.js'

export function runSocksSession (socket: Socket, firstBytes: Uint8Array, deps: TunnelDeps): void {
  const handshake = new SocksHandshake()
  const onData = (chunk: Buffer): void => handleEvents(handshake.push(chunk))

  function handleEvents (events: SocksEvent[]): void {
    for (const event of events) {
      if (event.type === 'write') {
        socket.write(event.bytes)
      } else if (event.type === 'fail') {
        socket.off('data', onData)
        deps.log('debug', 'SOCKS handshake failed', { code: event.code })
        if (event.reply !== undefined && socket.writable) socket.end(event.reply)
        else socket.destroy()
      } else {
        socket.off('data', onData)
        socket.pause() // later bytes wait in the socket until we know where they go
        deps.established(socket) // the handshake is done; resolving may take longer than its deadline
        connectRequest(event.request, event.rest).catch((err: unknown) => {
          deps.log('warn', 'SOCKS request failed', { error: String(err) })
          socket.destroy()
        })
      }
    }
  }

  async function connectRequest (request: SocksRequest, early: Uint8Array): Promise<void> {
    const plan = await deps.plan(request.host, request.port, request.isolation)
    if (socket.destroyed) return
    if (plan.action === 'refuse') {
      deps.log('debug', 'SOCKS request refused', { host: request.host, port: request.port, error: plan.error.message })
      socket.end(replyFor(request.version, errorToSocksReply(plan.error)))
      return
    }
    if (plan.action === 'serve') {
      socket.write(replyFor(request.version, SOCKS5_REPLY.succeeded))
      deps.handToHttp(socket, { via: 'socks', host: request.host, port: request.port, target: plan.target, isolation: request.isolation }, early)
      return
    }
    let upstream: Socket
    try {
      upstream = await deps.openDirect(plan.host, plan.port)
    } catch (err) {
      if (!socket.destroyed) socket.end(replyFor(request.version, errorToSocksReply(err)))
      return
    }
    if (socket.destroyed) {
      upstream.destroy()
      return
    }
    socket.write(replyFor(request.version, SOCKS5_REPLY.succeeded))
    splice(socket, upstream, early)
  }

  socket.on('data', onData)
  handleEvents(handshake.push(firstBytes))
  if (!handshake.finished) socket.resume()
}
