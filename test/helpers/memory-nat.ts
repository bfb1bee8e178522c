import type { MemoryNetwork } from '../../src/node/transport/memory.js'
import { type Endpoint, endpointKey } from '../../src/node/types.js'

export type MemoryNatKind = 'endpoint-independent' | 'symmetric'

/**
 * NAT routers on the memory network, translating as Linux masquerade does: a host behind one
 * (addresses 10.x, created by the test) sends from its private endpoint; the router rewrites the
 * source to its public address and a mapped port — one port per private endpoint
 * (endpoint-independent, masquerade) or one per private endpoint and destination (symmetric,
 * masquerade random) — and lets in only replies from endpoints that mapping sent to
 * (address-and-port-dependent filtering, as conntrack does). Hairpinning is off.
 */
export class MemoryNats {
  private readonly routers = new Map<string, { publicAddress: string, kind: MemoryNatKind, nextPort: number }>()
  /** mapping key → public endpoint; public endpoint key → { private endpoint, remotes it sent to }. */
  private readonly out = new Map<string, Endpoint>()
  private readonly inbound = new Map<string, { inside: Endpoint, sentTo: Set<string> }>()
  private injecting = false
  readonly dropped = { filtered: 0 }

  constructor (private readonly network: MemoryNetwork) {
    network.tap = (data, from, to) => this.tap(data, from, to)
  }

  /** Puts private address `inside` behind a router with public address `publicAddress`. */
  add (inside: string, publicAddress: string, kind: MemoryNatKind): void {
    this.routers.set(inside, { publicAddress, kind, nextPort: 20_000 })
  }

  private tap (data: Buffer, from: Endpoint, to: Endpoint): boolean {
    if (this.injecting) return true
    const router = this.routers.get(from.address)
    if (router !== undefined) {
      const key = router.kind === 'endpoint-independent' ? endpointKey(from) : `${endpointKey(from)}>${endpointKey(to)}`
      let pub = this.out.get(key)
      if (pub === undefined) {
        pub = { address: router.publicAddress, port: router.nextPort++ }
        this.out.set(key, pub)
        this.inbound.set(endpointKey(pub), { inside: { ...from }, sentTo: new Set() })
      }
      this.inbound.get(endpointKey(pub))?.sentTo.add(endpointKey(to))
      // Translated, it crosses "the internet" and may meet another router.
      if (this.toRouter(data, pub, to)) this.inject(data, pub, to)
      return false
    }
    return this.toRouter(data, from, to)
  }

  /** Whether a packet from a public endpoint goes on unchanged (false: a router took or dropped it). */
  private toRouter (data: Buffer, from: Endpoint, to: Endpoint): boolean {
    const mapping = this.inbound.get(endpointKey(to))
    if (mapping !== undefined) {
      if (mapping.sentTo.has(endpointKey(from))) this.inject(data, from, mapping.inside)
      else this.dropped.filtered++
      return false
    }
    // Nobody outside reaches a private address directly.
    for (const r of this.routers.keys()) if (to.address === r) { this.dropped.filtered++; return false }
    return true
  }

  private inject (data: Buffer, from: Endpoint, to: Endpoint): void {
    this.injecting = true
    try { this.network.deliver(data, from, to) } finally { this.injecting = false }
  }
}
