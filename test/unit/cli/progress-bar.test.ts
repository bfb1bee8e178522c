import { describe, expect, it } from 'vitest'
import { ProgressBar, renderProgress } from '../../../src/cli/progress-bar.js'
import { capture } from './cli-test-kit.js'

describe('renderProgress', () => {
  it('shows a bar, percentage, bytes, files, rate and time left when the total is known', () => {
    const s = renderProgress('downloading', { bytes: 512 * 1024, totalBytes: 1024 * 1024, files: 1, totalFiles: 4, rate: 256 * 1024 })
    expect(s).toBe('downloading  [############............] 50%  512 KiB of 1.00 MiB  1 of 4 files  256 KiB/s  ~2.0 s left')
  })

  it('shows bytes and files only when the total is unknown', () => {
    expect(renderProgress('reading', { bytes: 2048, files: 1 })).toBe('reading  2.00 KiB  1 file')
  })

  it('never draws past 100%', () => {
    expect(renderProgress('x', { bytes: 3000, totalBytes: 1000 })).toContain(`[${'#'.repeat(24)}] 100%`)
  })
})

describe('ProgressBar', () => {
  it('redraws on a terminal, counts resumed bytes in the bar but not in the rate', () => {
    let t = 0
    const out = capture(true)
    const bar = new ProgressBar(out, () => t, 'get', { totalBytes: 4000 })
    bar.addExisting(1000)
    t = 1000
    bar.addBytes(1000)
    expect(out.text()).toContain('50%')
    expect(out.text()).toContain('1000 B/s')
    bar.end()
    expect(bar.transferred).toBe(1000)
    expect(bar.summary('downloaded')).toBe('downloaded 1000 B in 1.0 s, 1000 B/s')
  })

  it('into a pipe writes a line at most every interval', () => {
    let t = 0
    const out = capture(false)
    const bar = new ProgressBar(out, () => t, 'get', { totalBytes: 100 }, 2000)
    for (let i = 0; i < 10; i++) { t += 100; bar.addBytes(1) }
    expect(out.text()).toBe('')
    t += 2000
    bar.addBytes(1)
    expect(out.text().split('\n').filter(l => l !== '')).toHaveLength(1)
  })
})
