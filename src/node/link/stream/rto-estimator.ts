import { RTO_INITIAL_MS, RTO_MAX_MS, RTO_MIN_MS } from './constants.js'

/**
 * Round-trip time estimation and the retransmission timeout of RFC 6298:
 * srtt/rttvar smoothing with alpha 1/8 and beta 1/4, RTO = srtt + 4·rttvar
 * clamped to [RTO_MIN_MS, RTO_MAX_MS], doubled per consecutive timeout (and
 * still clamped), the backoff cleared by the next valid sample. Also keeps
 * the minimum RTT (the path's propagation delay estimate) and the latest
 * sample, which loss detection and congestion control use.
 */
export class RtoEstimator {
  srtt: number | undefined
  rttvar = 0
  minRtt = Infinity
  latest = 0
  private backoff = 0

  constructor (private readonly minRto = RTO_MIN_MS, private readonly maxRto = RTO_MAX_MS) {}

  get hasSample (): boolean { return this.srtt !== undefined }

  sample (rtt: number): void {
    if (!(rtt >= 0)) return
    this.latest = rtt
    if (rtt < this.minRtt) this.minRtt = rtt
    if (this.srtt === undefined) {
      this.srtt = rtt
      this.rttvar = rtt / 2
    } else {
      this.rttvar = 0.75 * this.rttvar + 0.25 * Math.abs(this.srtt - rtt)
      this.srtt = 0.875 * this.srtt + 0.125 * rtt
    }
    this.backoff = 0
  }

  /** The current retransmission timeout, backoff included. */
  get rto (): number {
    const base = this.srtt === undefined ? RTO_INITIAL_MS : this.srtt + Math.max(1, 4 * this.rttvar)
    const clamped = Math.min(this.maxRto, Math.max(this.minRto, base))
    return Math.min(this.maxRto, clamped * 2 ** this.backoff)
  }

  /** A timeout fired: double the next one (bounded). */
  backOff (): void { if (this.rto < this.maxRto) this.backoff++ }

  get backoffCount (): number { return this.backoff }
}
