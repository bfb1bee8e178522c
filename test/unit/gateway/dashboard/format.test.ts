import { describe, expect, it } from 'vitest'
import { formatAgo, formatBytes, formatDuration, percent, safeHref, shortId } from '../../../../src/gateway/apps/dashboard/format.js'

describe('format', () => {
  it('writes sizes in binary units', () => {
    expect(formatBytes(0)).toBe('0 B')
    expect(formatBytes(1023)).toBe('1023 B')
    expect(formatBytes(1536)).toBe('1.5 KiB')
    expect(formatBytes(300 * 1024 * 1024)).toBe('300 MiB')
    expect(formatBytes(1024 ** 3)).toBe('1.0 GiB')
    expect(formatBytes(-1)).toBe('–')
    expect(formatBytes(Number.NaN)).toBe('–')
  })

  it('writes durations and ages', () => {
    expect(formatDuration(42_000)).toBe('42 s')
    expect(formatDuration(3 * 3600_000 + 12 * 60_000)).toBe('3 h 12 min')
    expect(formatDuration(3600_000)).toBe('1 h')
    expect(formatDuration(2 * 86_400_000 + 3600_000)).toBe('2 d 1 h')
    expect(formatAgo(1000, 3000)).toBe('just now')
    expect(formatAgo(0, 3000)).toBe('never')
    expect(formatAgo(1_000_000 - 300_000, 1_000_000)).toBe('5 min ago')
  })

  it('shortens ids and bounds percentages', () => {
    expect(shortId('0123456789abcdef0123')).toBe('01234567…0123')
    expect(shortId('abc')).toBe('abc')
    expect(percent(5, 10)).toBe(50)
    expect(percent(20, 10)).toBe(100)
    expect(percent(1, 0)).toBe(0)
  })

  it('links only http(s) URLs', () => {
    expect(safeHref('http://a.tor-net/')).toBe('http://a.tor-net/')
    expect(safeHref('javascript:alert(1)')).toBeUndefined()
    expect(safeHref('data:text/html,x')).toBeUndefined()
    expect(safeHref('not a url')).toBeUndefined()
    expect(safeHref(undefined)).toBeUndefined()
  })
})
