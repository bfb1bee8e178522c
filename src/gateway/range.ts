/**
 * Single-range requests (RFC 9110 §14): enough for a video player to seek.
 * A header we do not serve (another unit, several ranges, a malformed spec)
 * is ignored, as the RFC allows, and the whole file is sent.
 */
import type { ByteRange } from './ports.js'

export type RangeDecision =
  | { kind: 'full' } // 200 with the whole body
  | { kind: 'partial', range: ByteRange } // 206
  | { kind: 'unsatisfiable' } // 416

const FULL: RangeDecision = { kind: 'full' }
const UNSATISFIABLE: RangeDecision = { kind: 'unsatisfiable' }
const SPEC = /^(\d{0,15})-(\d{0,15})$/ // 15 digits stay below 2^53

export function parseRange (header: string | undefined, size: number): RangeDecision {
  if (header === undefined) return FULL
  const match = /^\s*bytes\s*=(.*)$/i.exec(header)
  if (match === null) return FULL
  const specs = match[1]!.split(',').map(s => s.trim()).filter(s => s.length > 0)
  if (specs.length !== 1) return FULL
  const spec = SPEC.exec(specs[0]!)
  if (spec === null) return FULL
  const [, first, last] = spec as unknown as [string, string, string]
  if (first === '' && last === '') return FULL
  if (first === '') {
    const suffix = Number(last)
    if (suffix === 0 || size === 0) return UNSATISFIABLE
    return { kind: 'partial', range: { start: Math.max(0, size - suffix), end: size - 1 } }
  }
  const start = Number(first)
  if (last !== '' && Number(last) < start) return FULL // invalid spec: ignore the header
  if (start >= size) return UNSATISFIABLE
  const end = last === '' ? size - 1 : Math.min(Number(last), size - 1)
  return { kind: 'partial', range: { start, end } }
}

export function contentRange (range: ByteRange, size: number): string {
  return `bytes ${range.start}-${range.end}/${size}`
}
