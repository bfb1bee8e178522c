import { type Endpoint, endpointKey } from '../types.js'
import { hostOf } from './source-address.js'

/**
 * The addresses peers say they see this node at (their handshake replies, wire/reach-messages.ts).
 * One report per reporter (its latest), at most `maxReporters` reporters (the one heard from
 * longest ago leaves first), so a peer can neither grow this nor outvote others by repeating
 * itself. An address counts the distinct reporting hosts (an IPv4 address, an IPv6 /64), since one
 * machine can hold many node ids: two hosts that agree say the NAT keeps one mapping for this
 * node whoever it talks to; hosts that disagree say it makes one per destination (symmetric).
 */
export interface ObservedAddress {
  endpoint: Endpoint
  /** Distinct hosts that reported it. */
  hosts: number
  lastSeen: number
}

interface Report { endpoint: Endpoint, host: string, at: number }

export const DEFAULT_MAX_REPORTERS = 32

export class ObservedAddresses {
  private readonly reports = new Map<string, Report>()

  constructor (private readonly maxReporters = DEFAULT_MAX_REPORTERS) {}

  /** `reporter`: the peer's node id (hex); `reporterAddress`: where its packets come from. */
  record (reporter: string, reporterAddress: string, endpoint: Endpoint, now: number): void {
    this.reports.delete(reporter) // re-inserted last: the Map's order is the eviction order
    this.reports.set(reporter, { endpoint: { address: endpoint.address, port: endpoint.port }, host: hostOf(reporterAddress), at: now })
    while (this.reports.size > this.maxReporters) this.reports.delete(this.reports.keys().next().value as string)
  }

  get reporters (): number {
    return this.reports.size
  }

  /** Distinct reporting hosts, whatever they reported. */
  get reportingHosts (): number {
    return new Set([...this.reports.values()].map(r => r.host)).size
  }

  /** The reported addresses, the one most hosts agree on first (then the most recent). */
  list (): ObservedAddress[] {
    const by = new Map<string, { endpoint: Endpoint, hosts: Set<string>, lastSeen: number }>()
    for (const r of this.reports.values()) {
      const key = endpointKey(r.endpoint)
      const e = by.get(key) ?? { endpoint: r.endpoint, hosts: new Set<string>(), lastSeen: 0 }
      e.hosts.add(r.host)
      e.lastSeen = Math.max(e.lastSeen, r.at)
      by.set(key, e)
    }
    return [...by.values()]
      .map(e => ({ endpoint: e.endpoint, hosts: e.hosts.size, lastSeen: e.lastSeen }))
      .sort((a, b) => b.hosts - a.hosts || b.lastSeen - a.lastSeen)
  }
}
