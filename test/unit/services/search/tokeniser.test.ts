import { describe, expect, it } from 'vitest'
import { MAX_QUERY_TERMS, isTerm, normaliseWord, queryTerms, tagWord, tokens } from '../../../../src/node/services/search/tokeniser.js'

describe('tokeniser', () => {
  it('splits at non-letters, folds case and accents, drops stop words and single letters', () => {
    expect([...tokens('The Quick, brown FOX — jumps over a lazy dog!')]).toEqual(['quick', 'brown', 'fox', 'jumps', 'over', 'lazy', 'dog'])
    expect([...tokens('Café déjà-vu naïve')]).toEqual(['cafe', 'deja', 'vu', 'naive'])
    expect([...tokens('x y z 42 b2b')]).toEqual(['42', 'b2b'])
  })

  it('keeps letters of any script', () => {
    expect([...tokens('Привет мир 東京タワー')]).toEqual(['привет', 'мир', '東京タワー'])
  })

  it('drops tokens over 32 bytes', () => {
    expect([...tokens('a'.repeat(33) + ' ok ' + 'b'.repeat(32))]).toEqual(['ok', 'b'.repeat(32)])
  })

  it('handles any query bytes: lone surrogates, controls, huge input', () => {
    expect(queryTerms('\uD800abc\uDC00def\u0000ghi')).toEqual(['abc', 'def', 'ghi'])
    expect(queryTerms('')).toEqual([])
    expect(queryTerms('%%%%')).toEqual([])
    const long = Array.from({ length: 50 }, (_, i) => `word${i}`).join(' ').repeat(100)
    const terms = queryTerms(long)
    expect(terms.length).toBe(MAX_QUERY_TERMS)
    expect(new Set(terms).size).toBe(terms.length)
  })

  it('dedupes query terms in order', () => {
    expect(queryTerms('tornet Tornet TORNET search')).toEqual(['tornet', 'search'])
  })

  it('normalises tag words and refuses non-terms', () => {
    expect(tagWord('  Ünïcode ')).toBe('unicode')
    expect(tagWord('the')).toBeUndefined()
    expect(tagWord('two words')).toBeUndefined()
    expect(tagWord('x')).toBeUndefined()
    expect(isTerm(normaliseWord('RADIO'))).toBe(true)
  })
})
