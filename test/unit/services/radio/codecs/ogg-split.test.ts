import { execFileSync } from 'node:child_process'
import { describe, expect, it } from 'vitest'
import { opusPacketSamples } from '../../../../../src/node/services/radio/codecs/ogg-split.js'
import { readOggPage } from '../../../../../src/node/services/radio/codecs/ogg-page.js'
import { MAX_SEGMENT_PAYLOAD } from '../../../../../src/node/services/radio/radio-api.js'
import { HAVE_FFMPEG, ffmpegTone, parse } from './codec-test-kit.js'

describe('Opus page splitting', () => {
  it('reads a packet\'s samples from its TOC byte', () => {
    expect(opusPacketSamples(Buffer.from([31 << 3]))).toBe(960) // CELT 20 ms, one frame
    expect(opusPacketSamples(Buffer.from([(31 << 3) | 1]))).toBe(1920) // two frames
    expect(opusPacketSamples(Buffer.from([(16 << 3) | 3, 6]))).toBe(720) // six 2.5 ms frames
    expect(opusPacketSamples(Buffer.from([(3 << 3) | 3, 3]))).toBeUndefined() // 3 × 60 ms is over 120 ms
    expect(opusPacketSamples(Buffer.from([(31 << 3) | 3, 0]))).toBeUndefined()
    expect(opusPacketSamples(Buffer.alloc(0))).toBeUndefined()
  })

  it.skipIf(!HAVE_FFMPEG)('cuts second-long 256 kbit/s pages into segment-sized pages that decode to the same length', () => {
    const b = ffmpegTone('big.opus', 4, ['-ac', '2', '-c:a', 'libopus', '-b:a', '256k', '-f', 'ogg'])
    const p = parse('ogg', b, 8192)
    // 4 s at 32 KB/s in pages of at most 16 KiB: at least 8 of them (ffmpeg wrote ~5).
    expect(p.frames.length).toBeGreaterThanOrEqual(8)
    let seq = -1
    for (const f of p.frames) {
      expect(f.length).toBeLessThanOrEqual(MAX_SEGMENT_PAYLOAD)
      const r = readOggPage(f)
      expect(r.status).toBe('page') // the CRC of every rebuilt page holds
      const s = f.readUInt32LE(18)
      if (seq >= 0) expect(s).toBe(seq + 1) // numbered without gaps
      seq = s
    }
    expect(p.ms).toBeCloseTo(4000, -1)
    const out = execFileSync('ffmpeg', ['-hide_banner', '-v', 'error', '-i', 'pipe:0', '-f', 's16le', '-ac', '1', '-ar', '48000', 'pipe:1'], { input: Buffer.concat([...p.inits, ...p.frames]) })
    expect(out.length / 2 / 48000).toBeCloseTo(4, 1)
  })
})
