/**
 * The accounting hook: every byte the link layer sends or receives passes
 * through `record`, attributed to a peer (its node id in hex) when one is known
 * and to a service kind ("link", "handshake", a service name, "relay").
 * The credit-accounting service later implements this; until then the
 * counting meter keeps totals for the dashboard and the peer accounts.
 */
export type TrafficDirection = 'in' | 'out'

export interface TrafficMeter {
  record (peer: string | undefined, direction: TrafficDirection, bytes: number, kind: string): void
}

export class CountingMeter implements TrafficMeter {
  bytesIn = 0
  bytesOut = 0
  /** Datagrams (one `record` call each). */
  packetsIn = 0
  packetsOut = 0
  readonly byPeer = new Map<string, { in: number, out: number }>()
  readonly byKind = new Map<string, { in: number, out: number }>()

  record (peer: string | undefined, direction: TrafficDirection, bytes: number, kind: string): void {
    if (direction === 'in') { this.bytesIn += bytes; this.packetsIn++ } else { this.bytesOut += bytes; this.packetsOut++ }
    if (peer !== undefined) bump(this.byPeer, peer, direction, bytes)
    bump(this.byKind, kind, direction, bytes)
  }
}

function bump (m: Map<string, { in: number, out: number }>, key: string, d: TrafficDirection, n: number): void {
  let e = m.get(key)
  if (e === undefined) { e = { in: 0, out: 0 }; m.set(key, e) }
  e[d] += n
}
