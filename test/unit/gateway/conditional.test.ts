import { describe, expect, it } from 'vitest'
import { ifRangeAllows, noneMatchHits, quoteEtag } from '../../../src/gateway/conditional.js'

describe('entity tags', () => {
  it('quotes and sanitises', () => {
    expect(quoteEtag('abc123')).toBe('"abc123"')
    expect(quoteEtag('a"b c')).toBe('"a_b_c"')
  })

  it('If-None-Match compares weakly and understands lists and *', () => {
    expect(noneMatchHits('"x"', '"x"')).toBe(true)
    expect(noneMatchHits('W/"x"', '"x"')).toBe(true)
    expect(noneMatchHits('"a", "x"', '"x"')).toBe(true)
    expect(noneMatchHits('*', '"x"')).toBe(true)
    expect(noneMatchHits('"y"', '"x"')).toBe(false)
    expect(noneMatchHits(undefined, '"x"')).toBe(false)
  })

  it('If-Range allows the range only for the same strong tag', () => {
    expect(ifRangeAllows(undefined, '"x"')).toBe(true)
    expect(ifRangeAllows('"x"', '"x"')).toBe(true)
    expect(ifRangeAllows('"y"', '"x"')).toBe(false)
    expect(ifRangeAllows('W/"x"', '"x"')).toBe(false)
    expect(ifRangeAllows('Wed, 21 Oct 2015 07:28:00 GMT', '"x"')).toBe(false)
  })
})
