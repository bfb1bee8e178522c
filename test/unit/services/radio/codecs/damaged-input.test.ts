import { describe, expect, it } from 'vitest'
import { RadioCodecError } from '../../../../../src/node/services/radio/codecs/errors.js'
import type { RadioCodec } from '../../../../../src/node/services/radio/radio-api.js'
import { fixture, noise, parse } from './codec-test-kit.js'

const CASES: Array<[RadioCodec, string]> = [['mp3', 'tone.mp3'], ['ogg', 'tone.ogg'], ['ogg', 'tone.opus'], ['aac', 'tone.aac']]

describe('damaged input', () => {
  it.each(CASES)('%s (%s): flipped bytes, cuts and odd chunking end in frames or a RadioCodecError, never a crash', (codec, name) => {
    const good = fixture(name)
    const r = noise(4 * 300, 42)
    for (let i = 0; i < 300; i++) {
      const b = Buffer.from(good)
      const flips = 1 + (r[4 * i] % 8)
      for (let j = 0; j < flips; j++) b[(r[4 * i + 1] * 256 + r[4 * i + 2] + j * 997) % b.length] ^= 1 + r[4 * i + 3]
      const cut = i % 3 === 0 ? b.subarray(0, (r[4 * i] * 37) % b.length) : b
      try {
        const p = parse(codec, cut, 1 + (r[4 * i + 2] % 200))
        const bytes = p.frames.reduce((a, f) => a + f.length, 0) + p.inits.reduce((a, f) => a + f.length, 0)
        expect(bytes).toBeLessThanOrEqual(cut.length)
        expect(Number.isFinite(p.ms) && p.ms >= 0).toBe(true)
      } catch (err) {
        expect(err).toBeInstanceOf(RadioCodecError)
      }
    }
  })
})
