/**
 * Per-peer round-trip estimates and the request timeouts derived from them
 * (RFC 6298's srtt + 4·rttvar, clamped). A peer we have never measured gets
 * the network-wide estimate, which is itself smoothed over every sample, so
 * a lookup into unknown parts of the network still times out on a figure
 * learned from this node's own traffic rather than a fixed guess.
 * The per-peer map is bounded (least recently updated peers are forgotten).
 */
export interface RequestTimeoutOptions {
  /** Floor and ceiling of the soft timeout (after which a lookup stops waiting and asks someone else). */
  minTimeoutMs: number
  maxTimeoutMs: number
  /** The hard timeout (request abandoned) is this multiple of the soft one, within the same ceiling × 2. */
  hardFactor: number
  /** Soft timeout before any sample exists (RFC 6298 says 1 s). */
  initialTimeoutMs: number
  /** Peers remembered. */
  maxPeers: number
}

export const DEFAULT_REQUEST_TIMEOUT_OPTIONS: RequestTimeoutOptions = {
  minTimeoutMs: 50,
  maxTimeoutMs: 3000,
  hardFactor: 4,
  initialTimeoutMs: 1000,
  maxPeers: 4096
}

/**
 * One smoothed estimate. A single peer uses RFC 6298's gains (1/8, 1/4); the
 * network-wide estimate mixes samples from many different paths, so it uses
 * slower gains (1/32, 1/16) that track the spread of the whole distribution
 * rather than the last few peers.
 */
export class RttSample {
  srtt = 0
  rttvar = 0
  samples = 0

  constructor (private readonly gain = 1 / 8, private readonly varGain = 1 / 4) {}

  observe (rtt: number): void {
    if (this.samples === 0) {
      this.srtt = rtt; this.rttvar = rtt / 2
    } else {
      this.rttvar = (1 - this.varGain) * this.rttvar + this.varGain * Math.abs(this.srtt - rtt)
      this.srtt = (1 - this.gain) * this.srtt + this.gain * rtt
    }
    this.samples++
  }
}

export function networkRttSample (): RttSample { return new RttSample(1 / 32, 1 / 16) }

export class RequestTimeouts {
  readonly options: RequestTimeoutOptions
  /** Network-wide estimate; may be shared between estimators (the simulator shares it between origins). */
  readonly global: RttSample
  private readonly peers = new Map<string, RttSample>()

  constructor (options: Partial<RequestTimeoutOptions> = {}, global?: RttSample) {
    this.options = { ...DEFAULT_REQUEST_TIMEOUT_OPTIONS, ...options }
    this.global = global ?? networkRttSample()
  }

  observe (peerKey: string, rttMs: number): void {
    if (!(rttMs >= 0) || !Number.isFinite(rttMs)) return
    let s = this.peers.get(peerKey)
    if (s === undefined) {
      s = new RttSample()
      if (this.peers.size >= this.options.maxPeers) {
        const oldest = this.peers.keys().next().value
        if (oldest !== undefined) this.peers.delete(oldest)
      }
    } else {
      this.peers.delete(peerKey) // re-insert: Map order is our LRU order
    }
    this.peers.set(peerKey, s)
    s.observe(rttMs)
    this.global.observe(rttMs)
  }

  /**
   * Seeds a peer's estimate from an RTT known from earlier contact (a table
   * entry's rttMs) without counting it in the network-wide estimate again.
   */
  primePeer (peerKey: string, rttMs: number): void {
    if (!(rttMs >= 0) || !Number.isFinite(rttMs) || this.peers.has(peerKey)) return
    const s = new RttSample()
    s.srtt = rttMs; s.rttvar = rttMs / 4; s.samples = 1
    if (this.peers.size >= this.options.maxPeers) {
      const oldest = this.peers.keys().next().value
      if (oldest !== undefined) this.peers.delete(oldest)
    }
    this.peers.set(peerKey, s)
  }

  /** Smoothed RTT of a peer, if measured. */
  srtt (peerKey: string): number | undefined {
    return this.peers.get(peerKey)?.srtt
  }

  /** When a lookup should stop waiting for this peer and widen to another contact. */
  softTimeout (peerKey: string): number {
    const s = this.peers.get(peerKey)
    const src = s !== undefined && s.samples > 0 ? s : this.global
    if (src.samples === 0) return this.options.initialTimeoutMs
    const { minTimeoutMs, maxTimeoutMs } = this.options
    return Math.min(maxTimeoutMs, Math.max(minTimeoutMs, src.srtt + Math.max(4 * src.rttvar, 10)))
  }

  /** When a request to this peer is abandoned altogether. */
  hardTimeout (peerKey: string): number {
    return Math.min(this.options.maxTimeoutMs * 2, this.softTimeout(peerKey) * this.options.hardFactor)
  }
}
