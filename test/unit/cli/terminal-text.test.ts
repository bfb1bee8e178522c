import { describe, expect, it } from 'vitest'
import { printableLine, printableText } from '../../../src/cli/terminal-text.js'

describe('terminal-safe text', () => {
  it('drops C0 and C1 controls (escape sequences lose their ESC/CSI), keeps printable text', () => {
    expect(printableLine('a\u001b[31mred\u001b[0m\u0007b')).toBe('a[31mred[0mb')
    expect(printableLine('x\u009b2Jy')).toBe('x2Jy')
    expect(printableLine('one\ntwo\r\tthree')).toBe('onetwo three')
    expect(printableLine('Grüße ✓ 日本')).toBe('Grüße ✓ 日本')
  })

  it('keeps line breaks and tabs in multi-line text, normalising CRLF', () => {
    expect(printableText('l1\r\nl2\rl3\n\tx\u0000\u001b')).toBe('l1\nl2\nl3\n\tx')
  })
})
