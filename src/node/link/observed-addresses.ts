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

  constructor (private readonly now: () => number = Date.now, private readonly maxReporters = DEFAULT_MAX_REPORTERS) {}

  /** `reporter`: the peer's node id (hex); `reporterAddress`: where its packets come from. */
  record (reporter: string, reporterAddress: string, endpoint: Endpoint): void {
    this.reports.delete(reporter) // re-inserted last: the Map's order is the eviction order
    this.reports.set(reporter, { endpoint: { address: endpoint.address, port: endpoint.port }, host: hostOf(reporterAddress), at: this.now() })
    while (this.reports.size > this.maxReporters) this.reports.delete(this.reports.keys().next().value as string)
  }

  get reporters (): number {
    return this.reports.size
  }

  /** Distinct hosts that reported anything within the last `maxAgeMs`. */
  reportingHosts (maxAgeMs = Infinity): number {
    const since = this.now() - maxAgeMs
    return new Set([...this.reports.values()].filter(r => r.at >= since).map(r => r.host)).size
  }

  /**
   * The addresses reported within the last `maxAgeMs` (a mapping changes when the node moves or
   * its NAT restarts), the one most hosts agree on first, then the most recent.
   */
  list (maxAgeMs = Infinity): ObservedAddress[] {
    const since = this.now() - maxAgeMs
    const by = new Map<string, { endpoint: Endpoint, hosts: Set<string>, lastSeen: number }>()
    for (const r of this.reports.values()) {
      if (r.at < since) continue
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
