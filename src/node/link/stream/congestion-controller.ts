import { RtoEstimator } from './rto-estimator.js'
import {
  INITIAL_CWND_FRAMES, MAX_CWND, MIN_CWND_FRAMES, PACING_GAIN_AVOIDANCE, PACING_GAIN_SLOW_START
} from './constants.js'

/**
 * What the sender asks of a congestion controller. The sender calls
 * `onCongestionEvent` at most once per loss episode (NewReno's recovery
 * rule: losses of packets sent before the reduction do not reduce again) and
 * `onTimeout` when the retransmission timer fires.
 */
export interface CongestionController {
  /** Bytes of frames allowed in flight. */
  readonly cwnd: number
  readonly ssthresh: number
  /** Newly delivered (cumulatively or selectively acknowledged) frame bytes. */
  onDelivered (bytes: number, now: number, rtt: RtoEstimator): void
  onCongestionEvent (now: number, rtt: RtoEstimator): void
  /** Every RTT sample, and the start of each round trip (packets sent after the previous round's). */
  onRttSample (rttMs: number): void
  onRoundStart (): void
  onTimeout (now: number, rtt: RtoEstimator): void
  /** Pacing rate in bytes per millisecond; Infinity before any RTT sample. */
  pacingRate (rtt: RtoEstimator): number
  /** The delivery-rate estimate in bytes per millisecond (0 before the first sample). */
  readonly bandwidth: number
  /** Saves the window state, so a reduction later found needless can be undone. */
  save (): ControllerState
  restore (state: ControllerState): void
}

export interface ControllerState { cwnd: number, ssthresh: number }

const HYSTART_MIN_SAMPLES = 8
const HYSTART_LOW_WINDOW_FRAMES = 16
const HYSTART_MIN_ETA_MS = 4
const HYSTART_MAX_ETA_MS = 16

/**
 * NewReno-style AIMD with slow start, with the Westwood+ reduction rule
 * (Mascolo et al., "TCP Westwood", and Linux tcp_westwood.c).
 *
 * Growth is Reno's: slow start adds the delivered bytes, congestion avoidance
 * one frame per round trip. On a loss episode, instead of halving blindly,
 * ssthresh becomes the estimated bandwidth-delay product, bwe × minRTT, where
 * bwe is the low-pass-filtered rate at which the peer acknowledges data. When
 * a loss comes from a full queue, the delivery rate is the bottleneck rate and
 * the window drops to what the path holds without a queue; when it is random
 * on a path without a standing queue (radio, a lossy relay) the window already
 * matches the delivery rate and barely shrinks, where Reno's per-episode
 * halving would settle near ten frames at 5% loss. We bound the cut from both
 * sides: never below Reno's half (so a stale or noisy estimate cannot
 * collapse the window) and never above the window itself. (In one process,
 * as in the tests, the event loop is the queue: RTT grows with the window
 * while min RTT stays at microseconds, so the rule acts as plain Reno there.)
 * A timeout is stronger evidence and falls back to one frame.
 *
 * Slow start ends early on delay, as in HyStart++ (RFC 9406, without its
 * conservative phase): once a round's minimum RTT exceeds the previous
 * round's by clamp(prev/8, 4 ms, 16 ms), a queue is building and doubling
 * further would only fill it (on a deep buffer, or in-process, that is
 * what made retransmission timers fire needlessly).
 */
export class WestwoodRenoController implements CongestionController {
  cwnd: number
  ssthresh = Infinity
  bandwidth = 0
  private sampleStart: number
  private sampleBytes = 0
  private lastRoundMinRtt = Infinity
  private roundMinRtt = Infinity
  private roundSamples = 0

  constructor (private readonly mss: number, now: number) {
    this.cwnd = INITIAL_CWND_FRAMES * mss
    this.sampleStart = now
  }

  onDelivered (bytes: number, now: number, rtt: RtoEstimator): void {
    this.sampleBandwidth(bytes, now, rtt)
    if (this.cwnd < this.ssthresh) this.cwnd += bytes
    else this.cwnd += this.mss * bytes / this.cwnd
    if (this.cwnd > MAX_CWND) this.cwnd = MAX_CWND
  }

  onCongestionEvent (_now: number, rtt: RtoEstimator): void {
    const bdp = Number.isFinite(rtt.minRtt) ? this.bandwidth * rtt.minRtt : 0
    const target = Math.min(this.cwnd, Math.max(bdp, this.cwnd / 2))
    this.ssthresh = Math.max(MIN_CWND_FRAMES * this.mss, target)
    this.cwnd = Math.max(MIN_CWND_FRAMES * this.mss, Math.min(this.cwnd, this.ssthresh))
  }

  onRoundStart (): void {
    this.lastRoundMinRtt = this.roundMinRtt
    this.roundMinRtt = Infinity
    this.roundSamples = 0
  }

  onRttSample (rttMs: number): void {
    if (this.cwnd >= this.ssthresh) return
    if (rttMs < this.roundMinRtt) this.roundMinRtt = rttMs
    this.roundSamples++
    if (this.roundSamples < HYSTART_MIN_SAMPLES || this.cwnd < HYSTART_LOW_WINDOW_FRAMES * this.mss) return
    if (!Number.isFinite(this.lastRoundMinRtt)) return
    const threshold = Math.min(HYSTART_MAX_ETA_MS, Math.max(HYSTART_MIN_ETA_MS, this.lastRoundMinRtt / 8))
    if (this.roundMinRtt >= this.lastRoundMinRtt + threshold) this.ssthresh = this.cwnd
  }

  onTimeout (now: number, rtt: RtoEstimator): void {
    this.onCongestionEvent(now, rtt)
    this.cwnd = this.mss
  }

  save (): ControllerState { return { cwnd: this.cwnd, ssthresh: this.ssthresh } }

  restore (state: ControllerState): void {
    this.cwnd = Math.max(this.cwnd, state.cwnd)
    this.ssthresh = Math.max(this.ssthresh, state.ssthresh)
  }

  pacingRate (rtt: RtoEstimator): number {
    if (rtt.srtt === undefined || rtt.srtt <= 0) return Infinity
    const gain = this.cwnd < this.ssthresh ? PACING_GAIN_SLOW_START : PACING_GAIN_AVOIDANCE
    return gain * this.cwnd / rtt.srtt
  }

  /** Westwood+: one rate sample per round trip, smoothed with gain 1/8. */
  private sampleBandwidth (bytes: number, now: number, rtt: RtoEstimator): void {
    this.sampleBytes += bytes
    const elapsed = now - this.sampleStart
    const interval = Math.max(rtt.srtt ?? 0, 1)
    if (elapsed < interval) return
    if (elapsed > 8 * interval) {
      // The sender was idle or starved by the application: such a sample
      // measures the writer, not the path. Start a fresh one.
      this.sampleBytes = 0
      this.sampleStart = now
      return
    }
    const sample = this.sampleBytes / elapsed
    this.bandwidth = this.bandwidth === 0 ? sample : 0.875 * this.bandwidth + 0.125 * sample
    this.sampleBytes = 0
    this.sampleStart = now
  }
}
