import { describe, expect, it } from 'vitest'
import { formatHeaderProgress, headerSyncLine } from '../../../../src/cli/serve/header-sync-line.js'

const p = { height: 412_300, target: 812_345, headersPerSecond: 5210, server: 'a.example:50002:s', done: false }

describe('the Namecoin header sync progress line', () => {
  it('says height / target, speed, time left and the server', () => {
    expect(formatHeaderProgress(p)).toBe('Namecoin headers: 412,300 / 812,345 verified, 5,210 headers/s, about 77 s left (from a.example:50002:s)')
    expect(formatHeaderProgress({ ...p, headersPerSecond: 0 })).not.toContain('left')
  })

  it('on a terminal rewrites one line in place, then ends it with one final line per finished sync', () => {
    let out = ''
    const line = headerSyncLine({ write: (s: string) => { out += s }, isTTY: true }, () => 0)
    line(p)
    line({ ...p, height: 500_000 })
    line({ ...p, height: 812_345, done: true })
    line({ ...p, height: 812_345, done: true })
    expect(out.split('\r').length - 1).toBe(2)
    expect(out.match(/verified up to block 812,345/g)).toHaveLength(1)
    expect(out.endsWith('.bit answers are proven against them\n')).toBe(true)
  })

  it('into a log: one line every 2 s, not one per batch', () => {
    let out = ''
    let now = 0
    const line = headerSyncLine({ write: (s: string) => { out += s } }, () => now)
    for (let i = 0; i < 10; i++) { now += 500; line({ ...p, height: p.height + i }) }
    expect(out.split('\n').filter(l => l !== '')).toHaveLength(2)
  })
})
