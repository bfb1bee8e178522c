/** Numbers, times and ids as people read them on the dashboard. Returns plain text (escape before use). */

const UNITS = ['B', 'KiB', 'MiB', 'GiB', 'TiB', 'PiB']

export function formatBytes (n: number): string {
  if (!Number.isFinite(n) || n < 0) return '–'
  let value = n
  let unit = 0
  while (value >= 1024 && unit < UNITS.length - 1) {
    value /= 1024
    unit++
  }
  if (unit === 0) return `${Math.round(value)} B`
  return `${value >= 100 ? Math.round(value) : value.toFixed(1)} ${UNITS[unit]}`
}

export function formatCount (n: number): string {
  return Number.isFinite(n) ? Math.round(n).toLocaleString('en-US') : '–'
}

/** "3 d 4 h", "5 h 12 min", "42 s". */
export function formatDuration (ms: number): string {
  if (!Number.isFinite(ms) || ms < 0) return '–'
  const s = Math.floor(ms / 1000)
  const d = Math.floor(s / 86400)
  const h = Math.floor((s % 86400) / 3600)
  const m = Math.floor((s % 3600) / 60)
  if (d > 0) return h > 0 ? `${d} d ${h} h` : `${d} d`
  if (h > 0) return m > 0 ? `${h} h ${m} min` : `${h} h`
  if (m > 0) return `${m} min`
  return `${s} s`
}

/** "just now", "4 min ago", "2 d ago". */
export function formatAgo (then: number, now: number): string {
  if (!Number.isFinite(then) || then <= 0) return 'never'
  const ms = now - then
  if (ms < 5_000) return 'just now'
  return `${formatDuration(ms)} ago`
}

/** An ISO-like date for title attributes: "2025-03-01 14:05 UTC". */
export function formatDate (ms: number): string {
  if (!Number.isFinite(ms) || ms <= 0) return ''
  return `${new Date(ms).toISOString().slice(0, 16).replace('T', ' ')} UTC`
}

/** "3f9a12cd…77b0" for a long hex id; short ids unchanged. */
export function shortId (id: string, head = 8, tail = 4): string {
  return id.length <= head + tail + 1 ? id : `${id.slice(0, head)}…${id.slice(-tail)}`
}

export function percent (part: number, whole: number): number {
  if (!Number.isFinite(part) || !Number.isFinite(whole) || whole <= 0) return 0
  return Math.min(100, Math.max(0, (part / whole) * 100))
}

/** The URL if it is a plain http(s) URL, safe to put in an href; otherwise undefined. */
export function safeHref (url: string | undefined): string | undefined {
  if (url === undefined) return undefined
  try {
    const parsed = new URL(url)
    return parsed.protocol === 'http:' || parsed.protocol === 'https:' ? parsed.href : undefined
  } catch {
    return undefined
  }
}
