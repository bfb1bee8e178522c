import { describe, expect, test } from 'vitest'
import { splitDonation } from '../../../../src/node/accounting/bitcoin/donation-split.js'
import { BitcoinErrorCode } from '../../../../src/node/accounting/bitcoin/errors.js'
import { thrownCode } from '../../../helpers/thrown-code.js'

const sum = (m: Map<string, number>): number => [...m.values()].reduce((a, b) => a + b, 0)

describe('splitDonation', () => {
  test('in proportion to service, adding up exactly', () => {
    const m = splitDonation(100_000, new Map([['a', 3], ['b', 1], ['c', 0], ['d', -5]]))
    expect(m).toEqual(new Map([['a', 75_000], ['b', 25_000]]))
    const thirds = splitDonation(100_000, new Map([['x', 1], ['y', 1], ['z', 1]]))
    expect(sum(thirds)).toBe(100_000)
    expect([...thirds.values()].sort()).toEqual([33_333, 33_333, 33_334])
  })

  test('many peers and odd weights still add up exactly', () => {
    const service = new Map(Array.from({ length: 500 }, (_, i) => [`p${i}`, 1 + (i * 7919) % 1013 + i / 3] as [string, number]))
    for (const total of [1_000_000, 123_456_789, 2_100_000_000_000_000]) {
      const m = splitDonation(total, service)
      expect(sum(m)).toBe(total)
      for (const v of m.values()) expect(v).toBeGreaterThanOrEqual(546)
    }
  })

  test('parts below dust leave out the smallest contributors, not the donation', () => {
    const m = splitDonation(2000, new Map([['big', 100], ['mid', 50], ['tiny', 1]]))
    expect(m).toEqual(new Map([['big', 1333], ['mid', 667]]))
    expect(splitDonation(500, new Map([['big', 100]]))).toEqual(new Map())
    expect(splitDonation(1000, new Map())).toEqual(new Map())
  })

  test('bad totals are BITCOIN_INVALID_AMOUNT', () => {
    for (const bad of [-1, 1.5, Number.NaN, 2.2e15]) expect(thrownCode(() => splitDonation(bad, new Map([['a', 1]])))).toBe(BitcoinErrorCode.INVALID_AMOUNT)
  })
})
