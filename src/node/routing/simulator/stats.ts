/** Percentile by nearest rank on a copy (p in 0..100); NaN for no samples. */
export function percentile (values: ArrayLike<number>, p: number): number {
  if (values.length === 0) return NaN
  const sorted = Float64Array.from(values).sort()
  const rank = Math.ceil((p / 100) * sorted.length)
  return sorted[Math.min(sorted.length - 1, Math.max(0, rank - 1))]
}

export function mean (values: ArrayLike<number>): number {
  if (values.length === 0) return NaN
  let s = 0
  for (let i = 0; i < values.length; i++) s += values[i]
  return s / values.length
}
