import { describe, expect, it } from 'vitest'
import { sniffProtocol } from '../../../src/gateway/sniff.js'

describe('sniffProtocol', () => {
  it('sends 05 to SOCKS5, 04 to SOCKS4, and anything else to HTTP', () => {
    expect(sniffProtocol(0x05)).toBe('socks5')
    expect(sniffProtocol(0x04)).toBe('socks4')
    for (const c of 'GPCHODT') expect(sniffProtocol(c.charCodeAt(0))).toBe('http')
    for (const b of [0x00, 0x16, 0xff]) expect(sniffProtocol(b)).toBe('http') // the HTTP parser rejects these
  })
})
