import { describe, expect, it } from 'vitest'
import { browserInstructions, mailInstructions, radioInstructions } from '../../../../src/cli/serve/instructions.js'

describe('the demo radio instructions', () => {
  it('give the VLC line, the station page and how to post', () => {
    const text = radioInstructions('http://127.0.0.1:9150/radio/welcome-radio')
    expect(text).toContain('    vlc http://127.0.0.1:9150/radio/welcome-radio\n')
    expect(text).toContain('http://127.0.0.1:9150/radio/welcome-radio.html')
    expect(text).toContain('tornet radio post welcome-radio')
    const all = browserInstructions('http://127.0.0.1:9150', ['http://welcome.tor-net/'], text)
    expect(all.indexOf('vlc http://')).toBeLessThan(all.indexOf('Press Ctrl-C'))
  })
})

describe('the demo mail instructions', () => {
  it('give the webmail through the proxy and on the gateway, and the newcomer\'s address', () => {
    const text = mailInstructions('http://127.0.0.1:9150', 'abc@tor-net')
    expect(text).toContain('    http://mail.tor-net/ ')
    expect(text).toContain('http://127.0.0.1:9150/mail/')
    expect(text).toContain('your address: abc@tor-net')
  })
})
