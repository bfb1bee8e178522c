import { usageError } from './errors.js'

const UNIT_MS: Record<string, number> = { s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 }

/** "90s", "15m", "2h", "1d" (or a bare number of seconds) → milliseconds, or a usage error naming the flag. */
export function durationFlag (flag: string, text: string, maxMs: number): number {
  const m = /^(\d{1,9})([smhd]?)$/.exec(text.trim())
  if (m === null) throw usageError(`${flag} takes a duration such as 90s, 15m, 2h or 7d, not "${text}"`)
  const ms = Number(m[1]) * UNIT_MS[m[2] === '' ? 's' : m[2]]
  if (ms <= 0 || ms > maxMs) throw usageError(`${flag} must be more than 0 and at most ${Math.floor(maxMs / 86_400_000)} days, not "${text}"`)
  return ms
}
