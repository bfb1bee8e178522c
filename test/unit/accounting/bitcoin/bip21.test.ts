import { readFileSync } from 'node:fs'
import { describe, expect, test } from 'vitest'
import { buildPaymentUri, formatBtc, parseBtc, parsePaymentUri, MAX_SATS } from '../../../../src/node/accounting/bitcoin/bip21.js'
import { BitcoinErrorCode } from '../../../../src/node/accounting/bitcoin/errors.js'
import { thrownCode } from '../../../helpers/thrown-code.js'

interface Valid { uri: string, address: string, sats?: number, label?: string, message?: string, other?: Array<[string, string]> }
const V = JSON.parse(readFileSync(new URL('../../../fixtures/bitcoin/bip21-vectors.json', import.meta.url), 'utf8')) as { valid: Valid[], invalid: Array<{ uri: string }> }

describe('BIP21 URIs (examples from BIP21)', () => {
  // The BIP's example address has a bad base58check checksum: the examples are parsed for their
  // syntax only (no network given), and checking the address then fails as it should.
  test.each(V.valid)('parses $uri', (v) => {
    const p = parsePaymentUri(v.uri)
    expect(p.address).toBe(v.address)
    expect(p.sats).toBe(v.sats)
    expect(p.label).toBe(v.label)
    expect(p.message).toBe(v.message)
    expect(p.other).toEqual(v.other ?? [])
  })

  test('with a network, the BIP\'s made-up address is refused', () => {
    expect(thrownCode(() => parsePaymentUri(V.valid[0].uri, 'mainnet'))).toBe(BitcoinErrorCode.INVALID_ADDRESS)
  })

  test.each(V.invalid)('refuses $uri', (v) => {
    expect(thrownCode(() => parsePaymentUri(v.uri))).toBe(BitcoinErrorCode.INVALID_URI)
  })

  test('builds the BIP\'s URIs back from their parts', () => {
    for (const v of V.valid.filter(x => x.other === undefined)) {
      expect(buildPaymentUri({ address: v.address, sats: v.sats, label: v.label, message: v.message })).toBe(v.uri)
    }
  })

  test('label and message round-trip through percent-encoding (UTF-8, &, =, +, #)', () => {
    const label = 'Tornet peer 7f3a & co = 100% ü+#'
    const message = 'Credit for 1.5 GB\nthanks'
    const uri = buildPaymentUri({ address: 'bc1qcr8te4kr609gcawutmrza0j4xv80jy8z306fyu', sats: 12_345, label, message })
    expect(uri).not.toMatch(/[ \n#]/)
    expect(uri.split('?')[1].split('&')).toHaveLength(3)
    const p = parsePaymentUri(uri, 'mainnet')
    expect(p).toMatchObject({ sats: 12_345, label, message })
  })

  test('upper-case bech32 from QR codes is accepted; wrong network and bad addresses are not', () => {
    expect(parsePaymentUri('BITCOIN:BC1QCR8TE4KR609GCAWUTMRZA0J4XV80JY8Z306FYU?amount=1', 'mainnet').address).toBe('bc1qcr8te4kr609gcawutmrza0j4xv80jy8z306fyu')
    expect(thrownCode(() => parsePaymentUri('bitcoin:bc1qcr8te4kr609gcawutmrza0j4xv80jy8z306fyu', 'regtest'))).toBe(BitcoinErrorCode.INVALID_ADDRESS)
    for (const bad of ['bitcoin:', 'bitcoin://bc1qcr8te4kr609gcawutmrza0j4xv80jy8z306fyu', 'litecoin:abc', 'bitcoin:abc?amount=1&amount=2', 'bitcoin:abc?label=%E0%A4%A']) {
      expect(thrownCode(() => parsePaymentUri(bad))).toBe(BitcoinErrorCode.INVALID_URI)
    }
  })
})

describe('BTC amounts as exact decimals', () => {
  test('satoshis to BTC text with no float error', () => {
    expect(formatBtc(1)).toBe('0.00000001')
    expect(formatBtc(10)).toBe('0.0000001')
    expect(formatBtc(30_000_000)).toBe('0.3') // 0.1 + 0.2 in floats is 0.30000000000000004
    expect(formatBtc(2_030_000_000)).toBe('20.3')
    expect(formatBtc(5_000_000_000)).toBe('50')
    expect(formatBtc(MAX_SATS)).toBe('21000000')
    expect(formatBtc(MAX_SATS - 1)).toBe('20999999.99999999')
    expect(formatBtc(0)).toBe('0')
  })

  test('every amount round-trips, including ones floats get wrong', () => {
    for (const sats of [1, 7, 29, 57, 100_000_001, 123_456_789, 1_999_999_999_999, MAX_SATS - 1, 2 ** 50]) {
      expect(parseBtc(formatBtc(sats))).toBe(sats)
    }
    expect(parseBtc('0.29')).toBe(29_000_000) // Math.round would do too, but 0.29 * 1e8 is 28999999.999999996
    expect(parseBtc('.5')).toBe(50_000_000)
    expect(parseBtc('1.000000000')).toBe(100_000_000) // trailing zeros beyond 8 decimals are harmless
  })

  test('malformed and impossible amounts are BITCOIN_INVALID_AMOUNT', () => {
    for (const bad of ['', '.', '-1', '1e-8', '1,5', '0.000000001', '21000000.00000001', '99999999999', ' 1', '0x10']) {
      expect(thrownCode(() => parseBtc(bad))).toBe(BitcoinErrorCode.INVALID_AMOUNT)
    }
    for (const bad of [-1, 0.5, MAX_SATS + 1, Number.NaN]) expect(thrownCode(() => formatBtc(bad))).toBe(BitcoinErrorCode.INVALID_AMOUNT)
  })
})
