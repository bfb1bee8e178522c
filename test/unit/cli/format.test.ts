import { describe, expect, it } from 'vitest'
import { formatCount, formatDuration } from '../../../src/cli/format.js'

describe('format', () => {
  it.each([[0, '0'], [999, '999'], [1500, '1.50 k'], [2_345_678, '2.35 M'], [Infinity, '?']])('formatCount(%d)', (n, text) => {
    expect(formatCount(n)).toBe(text)
  })

  it.each([[0, '0.0 s'], [-3, '0.0 s'], [59.94, '59.9 s'], [61, '1 min 01 s'], [3 * 3600 + 120, '3 h 02 min'],
    [2 * 86400 + 3 * 3600, '2 d 3 h'], [Infinity, 'unknown']])('formatDuration(%d)', (s, text) => {
    expect(formatDuration(s)).toBe(text)
  })
})
