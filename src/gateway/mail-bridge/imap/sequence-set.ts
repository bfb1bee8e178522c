/**
 * IMAP sequence sets (RFC 3501 §9 `sequence-set`): `1:4,7,9:*`, for message
 * sequence numbers and UIDs alike. `*` is the largest number in use; a range
 * is unordered (`5:2` is `2:5`). Bounded: at most MAX_RANGES ranges.
 */

export interface SequenceRange {
  /** A number, or undefined for `*`. */
  from: number | undefined
  to: number | undefined
}

export const MAX_RANGES = 500
const MAX_NUMBER = 0xffffffff

/** The ranges of `text`, or undefined when it is no sequence set. */
export function parseSequenceSet (text: string): SequenceRange[] | undefined {
  const parts = text.split(',')
  if (parts.length > MAX_RANGES) return undefined
  const ranges: SequenceRange[] = []
  for (const part of parts) {
    const m = /^(\d+|\*)(?::(\d+|\*))?$/.exec(part)
    if (m === null) return undefined
    const from = number(m[1])
    const to = m[2] === undefined ? from : number(m[2])
    if (from === null || to === null) return undefined
    ranges.push({ from, to })
  }
  return ranges
}

function number (text: string): number | undefined | null {
  if (text === '*') return undefined
  const n = Number(text)
  return Number.isSafeInteger(n) && n >= 1 && n <= MAX_NUMBER ? n : null
}

/** Whether `n` is in the set, `star` being the largest number in use (0 when there is none). */
export function inSequenceSet (n: number, ranges: SequenceRange[], star: number): boolean {
  for (const r of ranges) {
    const a = r.from ?? star
    const b = r.to ?? star
    if (n >= Math.min(a, b) && n <= Math.max(a, b)) return true
  }
  return false
}
