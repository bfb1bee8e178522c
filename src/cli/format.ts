/** Human-readable figures for terminal output. */

export function formatCount (n: number): string {
  if (!Number.isFinite(n)) return '?'
  const units: Array<[number, string]> = [[1e12, 'T'], [1e9, 'G'], [1e6, 'M'], [1e3, 'k']]
  for (const [size, unit] of units) {
    if (n >= size) return `${(n / size).toFixed(2)} ${unit}`
  }
  return String(Math.round(n))
}

export function formatDuration (seconds: number): string {
  if (!Number.isFinite(seconds)) return 'unknown'
  const s = Math.max(0, seconds)
  if (s < 60) return `${s.toFixed(1)} s`
  if (s < 3600) return `${Math.floor(s / 60)} min ${pad(Math.floor(s % 60))} s`
  if (s < 86400) return `${Math.floor(s / 3600)} h ${pad(Math.floor((s % 3600) / 60))} min`
  if (s < 365 * 86400) return `${Math.floor(s / 86400)} d ${Math.floor((s % 86400) / 3600)} h`
  const years = s / (365.25 * 86400)
  return years < 1e6 ? `${years.toFixed(1)} years` : `${years.toExponential(1)} years`
}

function pad (n: number): string {
  return String(n).padStart(2, '0')
}
