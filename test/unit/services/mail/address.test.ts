import { describe, expect, it } from 'vitest'
import { formatAddress, keyAddress, normalizeAddress, parseAddress } from '../../../../src/node/services/mail/address.js'
import { generateMailKeys } from '../../../../src/node/services/mail/mail-keys.js'
import { isTornetError } from '../../../../src/node/errors.js'

function codeOf (f: () => unknown): string | undefined {
  try { f() } catch (e) { return isTornetError(e) ? e.code : String(e) }
  return undefined
}

describe('mail addresses', () => {
  it('round-trips a raw key address (52 lower-case base32 digits)', () => {
    const { signingKey } = generateMailKeys()
    const addr = keyAddress(signingKey)
    expect(addr).toMatch(/^[a-z2-7]{52}@tor-net$/)
    const p = parseAddress(addr)
    expect(p.kind).toBe('key')
    expect(p.kind === 'key' && p.signingKey.equals(signingKey)).toBe(true)
    expect(normalizeAddress(`  ${addr.toUpperCase()} `)).toBe(addr)
    expect(normalizeAddress(`Alice <${addr}>`)).toBe(addr)
  })

  it('parses and normalises names', () => {
    expect(parseAddress('Alice@Tor-Net')).toEqual({ kind: 'name', name: 'alice' })
    expect(parseAddress('bücher@tor-net')).toEqual({ kind: 'name', name: 'xn--bcher-kva' })
    expect(parseAddress('Shop-1@BIT')).toEqual({ kind: 'bit', name: 'shop-1' })
    expect(formatAddress({ kind: 'bit', name: 'x' })).toBe('x@bit')
    expect(normalizeAddress('"Bob" <bob@tor-net>')).toBe('bob@tor-net')
  })

  it('refuses everything else with MAIL_BAD_ADDRESS', () => {
    const { signingKey } = generateMailKeys()
    const key = keyAddress(signingKey).split('@')[0]
    // The last digit of 52 carries 4 spare bits; a digit that sets one is not a 32-byte key.
    const spare = key.slice(0, 51) + (key[51] === 'b' ? 'c' : 'b')
    // 32 bytes that are not an ed25519 point: y = 2 has no x on the curve (checked by @noble).
    const notPoint = keyAddress(Buffer.concat([Buffer.of(2), Buffer.alloc(31)]))
    const bad = [
      '', 'alice', '@tor-net', 'alice@', 'alice@example.com', 'a@b@tor-net', 'alice@tor-net.evil',
      '-alice@tor-net', 'al ice@tor-net', 'al_ice@tor-net', 'www.shop@tor-net', 'tornet@tor-net',
      '-x@bit', 'x-@bit', 'a.b@bit', `${'a'.repeat(64)}@bit`, `${'a'.repeat(400)}@tor-net`,
      `${spare}@tor-net`, notPoint, `<${key}@tor-net`
    ]
    for (const text of bad) {
      expect(codeOf(() => parseAddress(text)), text).toBe('MAIL_BAD_ADDRESS')
    }
    expect(codeOf(() => keyAddress(Buffer.alloc(31)))).toBe('MAIL_BAD_ARGUMENT')
  })
})
