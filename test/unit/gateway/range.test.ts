import { describe, expect, it } from 'vitest'
import { contentRange, parseRange } from '../../../src/gateway/range.js'

describe('parseRange', () => {
  const size = 1000

  it('serves the whole file without a Range header', () => {
    expect(parseRange(undefined, size)).toEqual({ kind: 'full' })
  })

  it('reads first-last, open-ended and suffix ranges', () => {
    expect(parseRange('bytes=100-199', size)).toEqual({ kind: 'partial', range: { start: 100, end: 199 } })
    expect(parseRange('bytes=900-', size)).toEqual({ kind: 'partial', range: { start: 900, end: 999 } })
    expect(parseRange('bytes=-100', size)).toEqual({ kind: 'partial', range: { start: 900, end: 999 } })
    expect(parseRange('BYTES = 0-0', size)).toEqual({ kind: 'partial', range: { start: 0, end: 0 } })
  })

  it('clamps the end and an over-long suffix to the file', () => {
    expect(parseRange('bytes=990-5000', size)).toEqual({ kind: 'partial', range: { start: 990, end: 999 } })
    expect(parseRange('bytes=-5000', size)).toEqual({ kind: 'partial', range: { start: 0, end: 999 } })
  })

  it('is unsatisfiable past the end, for a zero suffix and on an empty file', () => {
    expect(parseRange('bytes=1000-', size)).toEqual({ kind: 'unsatisfiable' })
    expect(parseRange('bytes=5000-6000', size)).toEqual({ kind: 'unsatisfiable' })
    expect(parseRange('bytes=-0', size)).toEqual({ kind: 'unsatisfiable' })
    expect(parseRange('bytes=0-', 0)).toEqual({ kind: 'unsatisfiable' })
    expect(parseRange('bytes=-5', 0)).toEqual({ kind: 'unsatisfiable' })
  })

  it('ignores what it does not serve: other units, several ranges, malformed specs', () => {
    for (const h of ['items=0-5', 'bytes=0-1,5-6', 'bytes=5-1', 'bytes=-', 'bytes=a-b', 'bytes=1-2-3', 'bytes=',
      'bytes=9999999999999999-', 'bytes=0x10-20']) {
      expect(parseRange(h, size), h).toEqual({ kind: 'full' })
    }
  })

  it('formats Content-Range', () => {
    expect(contentRange({ start: 100, end: 199 }, 1000)).toBe('bytes 100-199/1000')
  })
})
