import { describe, expect, it } from 'vitest'
import { ProgressLine } from '../../../src/cli/progress-line.js'
import { capture } from './cli-test-kit.js'

describe('ProgressLine', () => {
  it('on a terminal rewrites one line in place and ends it with a newline', () => {
    const out = capture(true)
    const line = new ProgressLine(out, () => 0)
    line.update('a')
    line.update('b')
    line.end()
    expect(out.text()).toBe('\ra\x1b[K\rb\x1b[K\n')
  })

  it('into a pipe writes whole lines at most once per interval (fake clock)', () => {
    const out = capture(false)
    let t = 1000
    const line = new ProgressLine(out, () => t, 2000)
    const at = (ms: number, text: string): void => { t = 1000 + ms; line.update(text) }
    at(250, 'skip-1')
    at(1999, 'skip-2')
    at(2000, 'one')
    at(3500, 'skip-3')
    at(4100, 'two')
    line.end()
    expect(out.text()).toBe('one\ntwo\n')
  })

  it('writes nothing at the end when nothing was shown', () => {
    const out = capture(true)
    new ProgressLine(out, () => 0).end()
    expect(out.text()).toBe('')
  })
})
