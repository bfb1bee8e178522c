/** Byte counts, rates and dates for the content and network commands. */

const UNITS = ['KiB', 'MiB', 'GiB', 'TiB', 'PiB']

/** 1536 → "1.5 KiB"; below 1 KiB the exact count ("512 B"). */
export function formatBytes (n: number): string {
  if (!Number.isFinite(n) || n < 0) return '?'
  if (n < 1024) return `${Math.round(n)} B`
  let v = n
  let unit = ''
  for (const u of UNITS) {
    v /= 1024
    unit = u
    if (v < 1024) break
  }
  return `${v < 10 ? v.toFixed(2) : v < 100 ? v.toFixed(1) : v.toFixed(0)} ${unit}`
}

export function formatRate (bytesPerSecond: number): string {
  return `${formatBytes(bytesPerSecond)}/s`
}

/** A moment as "2025-03-01 14:05:09 UTC": the same text on every machine. */
export function formatTime (ms: number): string {
  if (!Number.isFinite(ms) || ms <= 0) return 'never'
  return `${new Date(ms).toISOString().slice(0, 19).replace('T', ' ')} UTC`
}

/** An id for a table column: the first `n` hex digits. */
export function shortHex (b: Uint8Array, n = 16): string {
  return Buffer.from(b).toString('hex').slice(0, n)
}
