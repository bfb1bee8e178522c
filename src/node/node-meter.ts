import { CountingMeter, type TrafficDirection, type TrafficMeter } from './accounting/traffic-meter.js'
import type { Store } from './store/index.js'

/**
 * The node's traffic meter: every datagram the link sends or receives, for the
 * dashboard's totals, the peer accounts and the ledger's byte columns.
 *
 * The link calls `record` once per datagram — hundreds of thousands a second
 * through a busy relay — and the three sinks cost several Map updates and a
 * ledger charge each. So `record` only adds to a tally per (peer, kind) —
 * consecutive datagrams of one flow hit the tally of the last call without a
 * lookup — and the tallies go to the sinks once per event-loop turn. The sinks
 * get the same sums (bytes are only ever added up); readers that must see the
 * very last datagram call `flush()` first (the node's read methods do).
 */
interface Tally {
  readonly peer: string | undefined
  readonly kind: string
  bytesIn: number
  bytesOut: number
  packetsIn: number
  packetsOut: number
}

/** Where datagrams without a known peer are tallied (a peer id is never empty). */
const NO_PEER = ''

export class NodeMeter implements TrafficMeter {
  readonly totals = new CountingMeter()
  /**
   * Told of content bytes a peer served us, which rank it within its k-bucket:
   * fed by the chunk service with verified slice bytes only, never from raw
   * traffic here (a peer could send junk to climb its bucket).
   */
  onContent?: (peerHex: string, bytes: number) => void
  /** The ledger's hook: bytes of priced services entered under their cause. */
  ledger?: (peerHex: string, direction: TrafficDirection, bytes: number, kind: string) => void
  /** This turn's tallies by peer, then kind; emptied by every flush (so bounded by one turn's traffic). */
  private tallies = new Map<string, Map<string, Tally>>()
  private last?: Tally
  private scheduled = false

  constructor (private readonly store: Store) {}

  record (peer: string | undefined, direction: TrafficDirection, bytes: number, kind: string): void {
    let t = this.last
    if (t === undefined || t.peer !== peer || t.kind !== kind) t = this.tally(peer, kind)
    if (direction === 'in') { t.bytesIn += bytes; t.packetsIn++ } else { t.bytesOut += bytes; t.packetsOut++ }
  }

  private tally (peer: string | undefined, kind: string): Tally {
    const key = peer ?? NO_PEER
    let byKind = this.tallies.get(key)
    if (byKind === undefined) { byKind = new Map(); this.tallies.set(key, byKind) }
    let t = byKind.get(kind)
    if (t === undefined) {
      t = { peer, kind, bytesIn: 0, bytesOut: 0, packetsIn: 0, packetsOut: 0 }
      byKind.set(kind, t)
    }
    this.last = t
    if (!this.scheduled) {
      this.scheduled = true
      setImmediate(() => { this.flush() })
    }
    return t
  }

  /** Hands every tally to the totals, the peer accounts and the ledger now. */
  flush (): void {
    this.scheduled = false
    this.last = undefined
    if (this.tallies.size === 0) return
    const tallies = this.tallies
    this.tallies = new Map()
    for (const byKind of tallies.values()) {
      for (const t of byKind.values()) {
        if (t.packetsIn > 0) this.sink(t, 'in', t.bytesIn, t.packetsIn)
        if (t.packetsOut > 0) this.sink(t, 'out', t.bytesOut, t.packetsOut)
      }
    }
  }

  private sink (t: Tally, direction: TrafficDirection, bytes: number, packets: number): void {
    this.totals.add(t.peer, direction, bytes, packets, t.kind)
    if (t.peer === undefined) return
    // A sink that refuses one tally (a closed store, a peer name the ledger rejects) loses only that one.
    try { this.store.peers.addTraffic(t.peer, direction, bytes) } catch {}
    try { this.ledger?.(t.peer, direction, bytes, t.kind) } catch {}
  }
}
