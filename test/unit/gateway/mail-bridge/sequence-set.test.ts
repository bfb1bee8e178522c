import { describe, expect, it } from 'vitest'
import { inSequenceSet, MAX_RANGES, parseSequenceSet } from '../../../../src/gateway/mail-bridge/imap/sequence-set.js'

describe('sequence sets', () => {
  it('parses numbers, ranges, stars and lists', () => {
    expect(parseSequenceSet('1')).toEqual([{ from: 1, to: 1 }])
    expect(parseSequenceSet('2:4,7,9:*')).toEqual([{ from: 2, to: 4 }, { from: 7, to: 7 }, { from: 9, to: undefined }])
    expect(parseSequenceSet('*')).toEqual([{ from: undefined, to: undefined }])
  })

  it('rejects what is not a sequence set', () => {
    for (const bad of ['', '0', '1:0', 'a', '1,', ',1', '1::2', '-1', '4294967296', '1:2:3', '1 2']) {
      expect(parseSequenceSet(bad), bad).toBeUndefined()
    }
    expect(parseSequenceSet(Array(MAX_RANGES + 1).fill('1').join(','))).toBeUndefined()
  })

  it('matches with * as the largest number, ranges in either order', () => {
    const set = parseSequenceSet('5:2,9:*')!
    expect([1, 2, 3, 5, 6, 8, 9, 12].filter((n) => inSequenceSet(n, set, 12))).toEqual([2, 3, 5, 9, 12])
    // n:* with n beyond the largest still names the largest (RFC 3501 §6.4.8).
    const beyond = parseSequenceSet('20:*')!
    expect(inSequenceSet(12, beyond, 12)).toBe(true)
    expect(inSequenceSet(11, beyond, 12)).toBe(false)
  })
})
