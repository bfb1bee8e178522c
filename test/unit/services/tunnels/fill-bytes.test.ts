import { describe, expect, it } from 'vitest'
import { fillBytes } from '../../../../src/node/services/tunnels/fill-bytes.js'

describe('pooled fill bytes', () => {
  it('gives the asked length, fresh bytes each call, and never rewrites bytes already handed out', () => {
    const first = fillBytes(16)
    const copy = Buffer.from(first)
    const seen = new Set<string>([first.toString('hex')])
    // Far more than one pool: forces refills.
    for (let i = 0; i < 5000; i++) {
      const b = fillBytes(16)
      expect(b.length).toBe(16)
      seen.add(b.toString('hex'))
    }
    expect(seen.size).toBe(5001)
    expect(first).toEqual(copy)
    expect(fillBytes(10_000).length).toBe(10_000)
    expect(fillBytes(0).length).toBe(0)
  })
})
