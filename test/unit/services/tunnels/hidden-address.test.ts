import { describe, expect, it } from 'vitest'
import { generateIdentity } from '../../../../src/node/identity/identity.js'
import { formatReference, isReferenceHost } from '../../../../src/node/services/content/reference.js'
import { isValidName } from '../../../../src/node/services/names/name.js'
import { HIDDEN_ADDRESS_CHARS, hiddenAddressLabel, keyHost, parseKeyHost } from '../../../../src/node/services/tunnels/hidden-address.js'
import { base32Decode, base32Encode } from '../../../../src/node/wire/base32.js'

const KEY = Buffer.from('3b6a27bcceb6a42d62a3a8d02a6f0d73653215771de243a63ac048a18b59da29', 'hex') // RFC 8032 test 1 public key

describe('hidden-service key hosts', () => {
  it('round-trips a key through its host, one label of 56 base32 characters', () => {
    const host = keyHost(KEY)
    expect(host).toMatch(/^[a-z2-7]{56}\.tor-net$/)
    expect(host.split('.')).toHaveLength(2)
    const parsed = parseKeyHost(host)
    expect(parsed.kind === 'key' && parsed.publicKey.equals(KEY)).toBe(true)
    expect(parseKeyHost(hiddenAddressLabel(KEY))).toEqual(parsed) // the label alone too
    // The key's own bytes lead, as in Tor's onion addresses: the label starts with the bare key's base32.
    expect(host.startsWith(base32Encode(KEY).slice(0, 51))).toBe(true)
  })

  it('gives every key its own host', () => {
    const a = keyHost(generateIdentity().publicKey)
    const b = keyHost(generateIdentity().publicKey)
    expect(a).not.toBe(b)
  })

  it('can be no registered name and no content reference', () => {
    const label = hiddenAddressLabel(KEY)
    expect(label).toHaveLength(HIDDEN_ADDRESS_CHARS)
    expect(isValidName(label)).toBe(false)
    expect(isReferenceHost(label)).toBe(false)
    const ref = formatReference({ id: Buffer.alloc(32, 1), key: Buffer.alloc(32, 2) })
    expect(parseKeyHost(`${ref}.tor-net`)).toEqual({ kind: 'none' })
    for (const label of ref.split('.')) expect(parseKeyHost(label).kind).toBe('bad') // half a reference is no key
  })

  it('calls a mistyped address bad, and anything not of its shape none', () => {
    const label = hiddenAddressLabel(KEY)
    const typo = (label[0] === 'a' ? 'b' : 'a') + label.slice(1)
    expect(parseKeyHost(`${typo}.tor-net`).kind).toBe('bad')
    const bytes = base32Decode(label)!
    bytes[34] = 9 // another version, same key and (now stale) check
    expect(parseKeyHost(base32Encode(bytes))).toMatchObject({ kind: 'bad' })
    expect(parseKeyHost('guestbook.tor-net')).toEqual({ kind: 'none' })
    expect(parseKeyHost(base32Encode(KEY) + '.tor-net')).toEqual({ kind: 'none' }) // the bare 52-character key is a name's shape
    expect(parseKeyHost(label.slice(1) + '1.tor-net')).toEqual({ kind: 'none' })
  })

  it('refuses a key of the wrong length', () => {
    expect(() => keyHost(Buffer.alloc(31))).toThrow(RangeError)
  })
})
