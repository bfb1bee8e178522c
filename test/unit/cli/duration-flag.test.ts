import { describe, expect, it } from 'vitest'
import { durationFlag } from '../../../src/cli/duration-flag.js'
import { CliErrorCode } from '../../../src/cli/errors.js'
import { isTornetError } from '../../../src/node/errors.js'

const DAY = 86_400_000

describe('durationFlag', () => {
  it('reads seconds, minutes, hours and days', () => {
    expect(durationFlag('--ttl', '90', DAY)).toBe(90_000)
    expect(durationFlag('--ttl', '90s', DAY)).toBe(90_000)
    expect(durationFlag('--ttl', '15m', DAY)).toBe(900_000)
    expect(durationFlag('--ttl', '2h', DAY)).toBe(7_200_000)
    expect(durationFlag('--ttl', '1d', DAY)).toBe(DAY)
  })

  it('refuses zero, too long and malformed durations', () => {
    for (const bad of ['0', '2d', '1w', '-1h', '1.5h', 'h', '']) {
      let err: unknown
      try { durationFlag('--ttl', bad, DAY) } catch (e) { err = e }
      expect(isTornetError(err, CliErrorCode.USAGE), bad).toBe(true)
    }
  })
})
