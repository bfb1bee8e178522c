import { CountingMeter, type TrafficDirection, type TrafficMeter } from './accounting/traffic-meter.js'
import type { Store } from './store/index.js'
import { TurnTally } from './turn-tally.js'

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
  /** This turn's tallies by peer, then kind (emptied every turn, so bounded by one turn's traffic). */
  private readonly tallies = new TurnTally<Tally>(
    (peer, kind) => ({ peer: peer === NO_PEER ? undefined : peer, kind, bytesIn: 0, bytesOut: 0, packetsIn: 0, packetsOut: 0 }),
    (t) => {
      if (t.packetsIn > 0) this.sink(t, 'in', t.bytesIn, t.packetsIn)
      if (t.packetsOut > 0) this.sink(t, 'out', t.bytesOut, t.packetsOut)
    }
  )

  constructor (private readonly store: Store) {}

  record (peer: string | undefined, direction: TrafficDirection, bytes: number, kind: string): void {
    const t = this.tallies.entry(peer ?? NO_PEER, kind)
    if (direction === 'in') { t.bytesIn += bytes; t.packetsIn++ } else { t.bytesOut += bytes; t.packetsOut++ }
  }

  /** Hands every tally to the totals, the peer accounts and the ledger now. */
  flush (): void {
    this.tallies.flush()
  }

  private sink (t: Tally, direction: TrafficDirection, bytes: number, packets: number): void {
    this.totals.add(t.peer, direction, bytes, packets, t.kind)
    if (t.peer === undefined) return
    // A sink that refuses one tally (a closed store, a peer name the ledger rejects) loses only that one.
    try { this.store.peers.addTraffic(t.peer, direction, bytes) } catch {}
    try { this.ledger?.(t.peer, direction, bytes, t.kind) } catch {}
  }
}
