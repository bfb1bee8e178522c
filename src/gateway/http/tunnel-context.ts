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
}

const tunnels = new WeakMap<Socket, TunnelContext>()

export function setTunnel (socket: Socket, context: TunnelContext): void {
  tunnels.set(socket, context)
}

export function tunnelOf (socket: Socket): TunnelContext | undefined {
  return tunnels.get(socket)
}
