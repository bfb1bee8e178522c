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

export interface CountingMeterLimits {
  /** Distinct kinds counted; the rest are added up under OTHER_KIND. */
  maxKinds: number
  /** Distinct peers counted; a new peer beyond this replaces a quiet one. */
  maxPeers: number
}

export const DEFAULT_METER_LIMITS: CountingMeterLimits = { maxKinds: 64, maxPeers: 4096 }

/** Where traffic of kinds beyond the bound is counted. */
export const OTHER_KIND = 'other'

/** How many of the oldest peer entries are looked at to find one to replace. */
const EVICTION_SAMPLE = 16

/**
 * Totals by peer and by kind. Both keys come from the network (a kind can be
 * a service name a peer sent to, a peer id is whatever identity it mined), so
 * both maps are bounded: overflow kinds are added up under OTHER_KIND, and a
 * new peer replaces the quietest of the oldest entries. The grand totals stay exact.
 */
export class CountingMeter implements TrafficMeter {
  bytesIn = 0
  bytesOut = 0
  /** Datagrams (one `record` call each). */
  packetsIn = 0
  packetsOut = 0
  readonly byPeer = new Map<string, { in: number, out: number }>()
  readonly byKind = new Map<string, { in: number, out: number }>()
  readonly limits: CountingMeterLimits

  constructor (limits: Partial<CountingMeterLimits> = {}) {
    this.limits = { ...DEFAULT_METER_LIMITS, ...limits }
  }

  record (peer: string | undefined, direction: TrafficDirection, bytes: number, kind: string): void {
    this.add(peer, direction, bytes, 1, kind)
  }

  /** `packets` datagrams of `bytes` in all (a batch of record calls, added up by the caller). */
  add (peer: string | undefined, direction: TrafficDirection, bytes: number, packets: number, kind: string): void {
    if (direction === 'in') { this.bytesIn += bytes; this.packetsIn += packets } else { this.bytesOut += bytes; this.packetsOut += packets }
    if (peer !== undefined) {
      if (!this.byPeer.has(peer) && this.byPeer.size >= this.limits.maxPeers) this.evictPeer()
      bump(this.byPeer, peer, direction, bytes)
    }
    // One slot stays free for OTHER_KIND.
    const k = this.byKind.has(kind) || this.byKind.size < this.limits.maxKinds - 1 ? kind : OTHER_KIND
    bump(this.byKind, k, direction, bytes)
  }

  /** Drops the quietest of the oldest entries (insertion order), so a busy long-lived peer stays. */
  private evictPeer (): void {
    let victim: string | undefined
    let least = Infinity
    let seen = 0
    for (const [key, v] of this.byPeer) {
      if (v.in + v.out < least) { least = v.in + v.out; victim = key }
      if (++seen >= EVICTION_SAMPLE) break
    }
    if (victim !== undefined) this.byPeer.delete(victim)
  }
}

function bump (m: Map<string, { in: number, out: number }>, key: string, d: TrafficDirection, n: number): void {
  let e = m.get(key)
  if (e === undefined) { e = { in: 0, out: 0 }; m.set(key, e) }
  e[d] += n
}
