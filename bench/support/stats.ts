/** Small numeric helpers shared by the transfer, names and gateway benchmarks. */

/** The p-th percentile (0..100) by nearest rank on a sorted copy; NaN for no samples. */
export function percentile (xs: readonly number[], p: number): number {
  if (xs.length === 0) return NaN
  const sorted = [...xs].sort((a, b) => a - b)
  const rank = Math.ceil((p / 100) * sorted.length)
  return sorted[Math.min(sorted.length - 1, Math.max(0, rank - 1))]
}

export function median (xs: readonly number[]): number {
  if (xs.length === 0) return NaN
  const sorted = [...xs].sort((a, b) => a - b)
  const mid = sorted.length >> 1
  return sorted.length % 2 === 1 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2
}

/** Rounds to `digits` decimals (figures are printed, not computed with). */
export function round (x: number, digits = 2): number {
  const f = 10 ** digits
  return Math.round(x * f) / f
}

/** Megabytes (10^6 bytes) per second. */
export function mbPerSecond (bytes: number, ms: number): number {
  return bytes / 1e6 / (ms / 1000)
}

export const MiB = 1024 * 1024
