/**
 * What to do with a tunnel request (SOCKS CONNECT or HTTP CONNECT) for
 * host:port: serve it ourselves over HTTP, connect straight through
 * (pass-through), or refuse. Shared by both tunnel kinds so they can never
 * disagree.
 */
import type { Socket } from 'node:net'
import type { TunnelContext } from './http/tunnel-context.js'
import type { GatewayLog, GatewayResolver, ResolveTarget } from './ports.js'
import { withDeadline } from './abort.js'
import { GATEWAY_ERRORS, gatewayError } from './errors.js'
import { isPublicAddress, isTornetHost, otherNetworkOf } from './hosts.js'

export type TunnelPlan =
  | { action: 'serve', target?: ResolveTarget } // target undefined: resolution failed; the HTTP layer retries and shows why
  | { action: 'direct', host: string, port: number }
  | { action: 'refuse', error: Error }

export interface TunnelPolicy {
  resolver: GatewayResolver
  passThrough: boolean
  tornetSuffixes: readonly string[]
  resolveTimeoutMs: number
  signal: AbortSignal
  /** The proxy user name the tunnel came with. */
  isolation?: string
}

export async function planTunnel (host: string, port: number, policy: TunnelPolicy): Promise<TunnelPlan> {
  if (!isTornetHost(host, policy.tornetSuffixes)) {
    const network = otherNetworkOf(host)
    if (network !== undefined) {
      // Never handed to connect(), whose DNS lookup would tell the resolver what the user opens.
      return {
        action: 'refuse',
        error: gatewayError(GATEWAY_ERRORS.unsupportedNetwork, `${host} is a ${network === 'tor' ? 'Tor onion service: open it in Tor Browser' : 'I2P site: open it through an I2P router'}.`)
      }
    }
    if (policy.passThrough) return { action: 'direct', host, port }
    return {
      action: 'refuse',
      error: gatewayError(GATEWAY_ERRORS.notTornet, `${host} is not a .tor-net or .bit address, and pass-through is off.`)
    }
  }
  let target: ResolveTarget | undefined
  try {
    target = policy.resolver.resolveCached?.(host) ??
      await withDeadline(s => policy.resolver.resolve(host, { signal: s, isolation: policy.isolation }), policy.signal, policy.resolveTimeoutMs, `Resolving ${host}`)
  } catch {
    target = undefined
  }
  if (target?.kind === 'clearnet' && policy.passThrough) {
    const address = target.addresses.find(isPublicAddress)
    if (address !== undefined) return { action: 'direct', host: address, port: target.port ?? port }
  }
  if (port === 443) {
    return {
      action: 'refuse',
      error: gatewayError(GATEWAY_ERRORS.noTls, `${host} is a Tornet address: open http://${host}/ (there is no https on Tornet).`)
    }
  }
  return { action: 'serve', target }
}

/** What SOCKS and CONNECT tunnels need from the listener. */
export interface TunnelDeps {
  /** `isolation`: the proxy user name (name lookups may run through a circuit kept for it). */
  plan (host: string, port: number, isolation?: string): Promise<TunnelPlan>
  /** Hands an established tunnel to the HTTP server; `early` are bytes the client already sent. */
  handToHttp (socket: Socket, tunnel: TunnelContext, early: Uint8Array): void
  /** True for a socket already handed over as a tunnel (a CONNECT inside it would nest). */
  isTunnel (socket: Socket): boolean
  openDirect (host: string, port: number): Promise<Socket>
  /** Switches the socket from the handshake deadline to the idle timeout. */
  established (socket: Socket): void
  gatewayAuthority: string
  log: GatewayLog
}
