/**
 * Sockets that reached the HTTP server through a tunnel (SOCKS or CONNECT)
 * remember where the client meant to go: requests inside are origin-form,
 * and the tunnel's host, not the Host header, decides what they reach.
 */
import type { Socket } from 'node:net'
import type { ResolveTarget } from '../ports.js'

export interface TunnelContext {
  via: 'socks' | 'connect'
  host: string
  port: number
  target?: ResolveTarget // resolved when the tunnel was opened, reused for its requests
  isolation: string // the client's proxy user name ('' when none), for every request in the tunnel: http/isolation.ts
}

/** One gateway's tunnelled sockets; held weakly, so a closed socket's entry goes with it. */
export class TunnelRegistry {
  private readonly tunnels = new WeakMap<Socket, TunnelContext>()

  set (socket: Socket, context: TunnelContext): void {
    this.tunnels.set(socket, context)
  }

  of (socket: Socket): TunnelContext | undefined {
    return this.tunnels.get(socket)
  }
}
