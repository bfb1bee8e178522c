import { describe, expect, test } from 'vitest'
import { AMPLIFICATION_FACTOR, PATH_CHALLENGE_ATTEMPTS, PATH_CHALLENGE_RETRY_MS, PathValidator } from '../../../src/node/link/path-validator.js'

const A = { address: '10.0.0.9', port: 7000 }
const B = { address: '10.0.0.10', port: 7000 }

describe('path validation', () => {
  test('challenges fit 3x the bytes received from the candidate, are retried after an interval, a bounded number of times', () => {
    let now = 0
    const v = new PathValidator(() => now)
    v.received(A, 40)
    const first = v.challengeDue(43)
    expect(first?.to).toEqual(A)
    expect(v.challengeDue(43)).toBeUndefined() // not yet time
    now += PATH_CHALLENGE_RETRY_MS
    expect(v.challengeDue(43)).toBeDefined() // 86 <= 120
    now += PATH_CHALLENGE_RETRY_MS
    expect(v.challengeDue(43)).toBeUndefined() // 129 > 3 x 40
    v.received(A, 40)
    expect(v.challengeDue(43)?.data).toEqual(first?.data)
    now += PATH_CHALLENGE_RETRY_MS
    expect(PATH_CHALLENGE_ATTEMPTS).toBe(3)
    expect(v.challengeDue(1)).toBeUndefined() // attempts used up until the candidate sends again
    expect(AMPLIFICATION_FACTOR).toBe(3)
  })

  test('only the echoed data, from the candidate address, validates it; a new address replaces the candidate', () => {
    const v = new PathValidator(() => 0)
    v.received(A, 100)
    const c = v.challengeDue(43) as { data: Buffer }
    expect(v.answered(Buffer.alloc(8), A)).toBe(false)
    expect(v.answered(c.data, B)).toBe(false)
    v.received(B, 100)
    expect(v.pending).toEqual(B)
    expect(v.answered(c.data, A)).toBe(false) // A's challenge is gone
    const d = v.challengeDue(43) as { data: Buffer }
    expect(d.data.equals(c.data)).toBe(false)
    expect(v.answered(d.data, B)).toBe(true)
    expect(v.pending).toBeUndefined()
  })
})
