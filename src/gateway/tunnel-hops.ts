/**
 * How many circuit hops a site request is read through: the SOCKS or proxy
 * user name `tornet-hops-N` (optionally `tornet-hops-N-<anything>`, so a
 * client can ask for N hops on several separate circuits) asks for N; any
 * other request gets the gateway's `tunnelHops` (0: read directly). The whole
 * user name stays the isolation tag: distinct names never share a circuit.
 */
import type { AnonymousSiteContent } from './ports.js'

const HOPS_TAG = /^tornet-hops-(\d{1,2})(?:-.*)?$/s

/** N from `tornet-hops-N…` when 0 ≤ N ≤ maxHops, else the default. */
export function tunnelHopsFor (isolation: string, defaultHops: number, maxHops: number): number {
  const m = HOPS_TAG.exec(isolation)
  if (m === null) return defaultHops
  const n = Number(m[1])
  return n <= maxHops ? n : defaultHops
}

/** The content a request reads: directly, or through a circuit of its hops for its isolation tag. */
export function contentForRequest<C> (direct: C, anonymous: AnonymousSiteContent<C> | undefined, isolation: string): C {
  if (anonymous === undefined) return direct
  const hops = tunnelHopsFor(isolation, anonymous.defaultHops, anonymous.maxHops)
  return hops === 0 ? direct : anonymous.contentFor(hops, isolation)
}
