import { describe, expect, it } from 'vitest'
import { log2Floor, lookupCommand } from '../../../../src/cli/commands/lookup.js'
import { expectUsageError } from './command-test-kit.js'

describe('tornet lookup', () => {
  it('needs exactly one id of 64 hex digits', async () => {
    await expectUsageError(lookupCommand, [])
    await expectUsageError(lookupCommand, ['ab'.repeat(31)])
    await expectUsageError(lookupCommand, ['zz'.repeat(32)])
    await expectUsageError(lookupCommand, ['ab'.repeat(32), 'ab'.repeat(32)])
  })

  it('prints distances as powers of two', () => {
    expect(log2Floor(Buffer.alloc(32))).toBe(-1)
    const one = Buffer.alloc(32); one[31] = 1
    expect(log2Floor(one)).toBe(0)
    const top = Buffer.alloc(32); top[0] = 0x80
    expect(log2Floor(top)).toBe(255)
    const mid = Buffer.alloc(32); mid[30] = 0x03
    expect(log2Floor(mid)).toBe(9)
  })
})
