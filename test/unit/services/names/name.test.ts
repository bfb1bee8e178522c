import { describe, expect, it } from 'vitest'
import { sha256 } from '../../../../src/node/crypto/hash.js'
import { isTornetError } from '../../../../src/node/errors.js'
import { formatReference } from '../../../../src/node/services/content/reference.js'
import { NameErrorCode } from '../../../../src/node/services/names/errors.js'
import { displayName, isValidName, nameHost, nameKey, normalizeName } from '../../../../src/node/services/names/name.js'

function codeOf (input: string): string | undefined {
  try {
    normalizeName(input)
    return undefined
  } catch (err) {
    return isTornetError(err) ? err.code : 'not a TornetError'
  }
}

describe('normalizeName', () => {
  it('lowercases, strips the suffix and a final dot, and turns Unicode into punycode', () => {
    expect(normalizeName('Shop')).toBe('shop')
    expect(normalizeName('SHOP.TOR-NET')).toBe('shop')
    expect(normalizeName('shop.tor-net.')).toBe('shop')
    expect(normalizeName('Bücher')).toBe('xn--bcher-kva')
    expect(normalizeName('bücher.tor-net')).toBe('xn--bcher-kva')
    expect(normalizeName('xn--bcher-kva')).toBe('xn--bcher-kva')
    expect(normalizeName('ＳＨＯＰ')).toBe('shop') // full-width letters map to ASCII
    expect(normalizeName('123')).toBe('123')
    expect(normalizeName('a-b-c')).toBe('a-b-c')
    expect(displayName('xn--bcher-kva')).toBe('bücher')
    expect(nameHost('shop')).toBe('shop.tor-net')
  })

  it('refuses invalid characters, hyphens at the ends, empty and over-long labels, several labels', () => {
    const bad = [
      '', '.', '.tor-net', 'a b', 'a_b', 'ab%41', 'a/b', 'a:b', 'a@b', '-ab', 'ab-', 'a..b', 'www.shop',
      'www.shop.tor-net', 'shop.com', 'ab--cd', 'xn--zz', 'x'.repeat(64), 'ü'.repeat(60), 'a\u0000b', 'a'.repeat(300)
    ]
    for (const input of bad) expect(codeOf(input), JSON.stringify(input)).toBe(NameErrorCode.INVALID)
    expect(normalizeName('x'.repeat(63))).toBe('x'.repeat(63))
    expect(isValidName('x'.repeat(64))).toBe(false)
  })

  it('refuses reserved names and anything that looks like a content reference', () => {
    expect(codeOf('tornet')).toBe(NameErrorCode.RESERVED)
    expect(codeOf('TorNet.tor-net')).toBe(NameErrorCode.RESERVED)
    expect(codeOf('localhost')).toBe(NameErrorCode.RESERVED)
    const ref = formatReference({ id: sha256(Buffer.from('id')), key: sha256(Buffer.from('key')) })
    expect(codeOf(ref)).toBe(NameErrorCode.RESERVED)
    expect(codeOf(`${ref}.tor-net`)).toBe(NameErrorCode.RESERVED)
    const [left] = ref.split('.')
    expect(codeOf(left)).toBe(NameErrorCode.RESERVED) // half a reference
    expect(normalizeName('a'.repeat(55) + '1')).toBe('a'.repeat(55) + '1') // '1' is not base32
  })
})

describe('nameKey', () => {
  it('is SHA-256("name:" ‖ name)', () => {
    expect(nameKey('shop')).toEqual(sha256(Buffer.from('name:shop')))
  })
})
