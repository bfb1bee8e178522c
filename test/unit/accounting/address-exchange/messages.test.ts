import { describe, expect, it } from 'vitest'
import { decodeAddressMessage, encodeAddressMessage } from '../../../../src/node/accounting/address-exchange/messages.js'
import { WireError } from '../../../../src/node/wire/codec.js'

// BIP84's first receive address, and a legacy P2PKH address (base58check).
const BECH32 = 'bc1qcr8te4kr609gcawutmrza0j4xv80jy8z306fyu'
const BASE58 = '1BvBMSEYstWetqTFn5Au4m4GFg7xJaNVN2'

describe('ledger address message', () => {
  it('round-trips an address and "none", with fixed bytes', () => {
    for (const address of [BECH32, BASE58, '']) expect(decodeAddressMessage(encodeAddressMessage({ address }), 'mainnet')).toEqual({ address })
    expect(encodeAddressMessage({ address: '' }).toString('hex')).toBe('010100')
    expect(encodeAddressMessage({ address: BECH32 }).subarray(0, 3).toString('hex')).toBe('01012a')
  })

  it('rejects a wrong version, an unknown type, bad lengths and trailing bytes', () => {
    const good = encodeAddressMessage({ address: BECH32 })
    const cases = [
      Buffer.alloc(0),
      Buffer.from([1]),
      Buffer.from([1, 1]),
      Buffer.from([2, 1, 0]),
      Buffer.from([1, 2, 0]),
      good.subarray(0, good.length - 1),
      Buffer.concat([good, Buffer.from([0])]),
      Buffer.concat([Buffer.from([1, 1, 91]), Buffer.alloc(91, 0x61)])
    ]
    for (const b of cases) expect(() => decodeAddressMessage(b, 'mainnet')).toThrow(WireError)
  })

  it('rejects addresses that do not decode on the network: bad checksum, other network, not ASCII', () => {
    const bad = [
      BECH32.slice(0, -1) + 'q', // checksum
      'bc1qnotanaddress',
      'hello world',
      'bc1qcr8te4kr609gcawutmrza0j4xv80jy8z306fy\u00e9'
    ]
    for (const address of bad) {
      const text = Buffer.from(address, 'latin1')
      expect(() => decodeAddressMessage(Buffer.concat([Buffer.from([1, 1, text.length]), text]), 'mainnet')).toThrow(WireError)
    }
    expect(() => decodeAddressMessage(encodeAddressMessage({ address: BECH32 }), 'regtest')).toThrow(WireError)
    expect(() => encodeAddressMessage({ address: 'x'.repeat(91) })).toThrow(RangeError)
  })
})
