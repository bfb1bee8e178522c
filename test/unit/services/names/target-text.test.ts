import { describe, expect, it } from 'vitest'
import { describeTarget, formatTarget, parseTarget } from '../../../../src/node/services/names/target-text.js'

describe('name targets as text', () => {
  it('station:<64 hex> names a radio station', () => {
    const hex = 'ab'.repeat(32)
    const t = parseTarget(`Station:${hex.toUpperCase()}`)
    expect(t).toEqual({ kind: 'station', value: Buffer.from(hex, 'hex') })
    expect(describeTarget(t)).toEqual({ kind: 'station', publicKey: hex })
    expect(formatTarget(t)).toBe(`station:${hex}`)
  })

  it('refuses a station key of the wrong length, naming the forms', () => {
    expect(() => parseTarget('station:abcd')).toThrow(expect.objectContaining({ code: 'NAME_MALFORMED', message: expect.stringContaining('station:<64 hex digits>') }))
  })
})
