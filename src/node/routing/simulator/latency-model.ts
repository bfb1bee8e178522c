import { mix32 } from './prng.js'

/**
 * One-way latency between two simulated nodes: log-normal with a given median
 * (50 ms) and shape σ (0.6: p10 ≈ 23 ms, p90 ≈ 108 ms, p99 ≈ 200 ms, close to
 * measured wide-area pings). The base value of a pair is a pure function of the
 * seed and the two node indices — symmetric, stable across the run, and no
 * N×N table; each message then varies by a small jitter (σ 0.1) drawn from the
 * simulation's PRNG.
 */
export interface LatencyOptions {
  medianMs: number
  sigma: number
  jitterSigma: number
  seed: number
}

export const DEFAULT_LATENCY: LatencyOptions = { medianMs: 50, sigma: 0.6, jitterSigma: 0.1, seed: 1 }

export class LatencyModel {
  readonly options: LatencyOptions
  private readonly logMedian: number

  constructor (options: Partial<LatencyOptions> = {}) {
    this.options = { ...DEFAULT_LATENCY, ...options }
    this.logMedian = Math.log(this.options.medianMs)
  }

  /** Base one-way latency of the pair (a, b) in ms; same for (b, a). */
  base (a: number, b: number): number {
    const lo = a < b ? a : b
    const hi = a < b ? b : a
    const u1 = (mix32(this.options.seed, lo, hi) + 1) / 4294967297
    const u2 = mix32(this.options.seed ^ 0x5bd1e995, hi, lo) / 4294967296
    const z = Math.sqrt(-2 * Math.log(u1)) * Math.cos(2 * Math.PI * u2)
    return Math.exp(this.logMedian + this.options.sigma * z)
  }

  /** One message's latency: the pair's base times a jitter factor from `normal` (a standard normal draw). */
  sample (a: number, b: number, normal: number): number {
    return this.base(a, b) * Math.exp(this.options.jitterSigma * normal)
  }
}
