import { describe, expect, it } from 'vitest'
import { readAdtsHeader } from '../../../../../src/node/services/radio/codecs/adts-header.js'
import { RadioCodecErrorCode } from '../../../../../src/node/services/radio/codecs/errors.js'
import { HAVE_FFMPEG, ffmpegTone, fixture, noise, parse, probeSeconds } from './codec-test-kit.js'

describe('AAC ADTS', () => {
  it('reads frame length, sampling index and raw block count', () => {
    // AAC LC, 44.1 kHz (index 4), stereo, no CRC, frame length 371, one raw block.
    const len = 371
    const h = Buffer.from([0xff, 0xf1, 0x50, 0x80 | (len >> 11), (len >> 3) & 0xff, ((len & 7) << 5) | 0x1f, 0xfc])
    expect(readAdtsHeader(h, 0)).toMatchObject({ frameBytes: 371, samples: 1024, sampleRate: 44100 })
    const two = Buffer.from(h)
    two[6] = 0xfd
    expect(readAdtsHeader(two, 0)?.samples).toBe(2048)
    const badRate = Buffer.from(h)
    badRate[2] = 0x50 | (13 << 2)
    expect(readAdtsHeader(badRate, 0)).toBeUndefined()
    const shortLen = Buffer.from(h)
    shortLen[3] = 0x80; shortLen[4] = 0; shortLen[5] = 0x1f
    expect(readAdtsHeader(shortLen, 0)).toBeUndefined()
    const layer = Buffer.from(h)
    layer[1] = 0xf3
    expect(readAdtsHeader(layer, 0)).toBeUndefined()
  })

  it('cuts the fixture into frames of 1024 samples', () => {
    const b = fixture('tone.aac')
    // 100-byte reads split headers (7 bytes) across reads.
    const p = parse('aac', b, 100)
    expect(p.frames.reduce((a, f) => a + f.length, 0)).toBe(b.length)
    expect(p.ms).toBeCloseTo((p.frames.length * 1024 * 1000) / 44100, 6)
    expect(p.ms).toBeGreaterThan(1000)
    expect(p.parser.bitrateKbps).toBeGreaterThan(20)
    for (const f of p.frames) expect(readAdtsHeader(f, 0)?.frameBytes).toBe(f.length)
  })

  it('drops a truncated tail, refuses garbage', () => {
    const b = fixture('tone.aac')
    const p = parse('aac', b.subarray(0, b.length - 5))
    expect(p.parser.dropped).toBe(1)
    expect(p.frames).toEqual(parse('aac', b).frames.slice(0, -1))
    expect(() => parse('aac', noise(100_000, 9))).toThrow(expect.objectContaining({ code: RadioCodecErrorCode.UNKNOWN_FORMAT }))
  })

  it.skipIf(!HAVE_FFMPEG)('times a longer file as ffprobe does', () => {
    const b = ffmpegTone('long.aac', 4, ['-ar', '48000', '-c:a', 'aac', '-b:a', '64k', '-f', 'adts'])
    const p = parse('aac', b, 2048)
    expect(Math.abs(p.ms / 1000 - probeSeconds('long-p.aac', b))).toBeLessThan(0.05)
  })
})
