import { execFileSync } from 'node:child_process'
import { describe, expect, it } from 'vitest'
import { RadioCodecErrorCode } from '../../../../../src/node/services/radio/codecs/errors.js'
import { id3v2TagBytes, id3v2Title } from '../../../../../src/node/services/radio/codecs/id3-tag.js'
import { readMp3Header } from '../../../../../src/node/services/radio/codecs/mp3-header.js'
import { HAVE_FFMPEG, ffmpegTone, fixture, noise, parse, probeSeconds } from './codec-test-kit.js'

const MAX_FRAME_MS = 1152 / 32 // MPEG-1 at 32 kHz: the longest layer III frame

describe('MP3 frame headers', () => {
  it('reads bitrate, sample rate and padding into the frame length', () => {
    // MPEG-1 layer III, no CRC, 128 kbit/s, 44.1 kHz, padded, joint stereo.
    const h = readMp3Header(Buffer.from([0xff, 0xfb, 0x92, 0x64]), 0)
    expect(h).toMatchObject({ frameBytes: 418, samples: 1152, sampleRate: 44100, mpeg1: true, mono: false, crc: false })
    // MPEG-2 layer III, 64 kbit/s, 22.05 kHz, mono: 72 × 64000 / 22050 = 208.
    expect(readMp3Header(Buffer.from([0xff, 0xf3, 0x80, 0xc4]), 0)).toMatchObject({ frameBytes: 208, samples: 576, sampleRate: 22050, mono: true })
    // MPEG-2.5, 8 kHz, 8 kbit/s.
    expect(readMp3Header(Buffer.from([0xff, 0xe3, 0x18, 0xc4]), 0)).toMatchObject({ frameBytes: 72, samples: 576, sampleRate: 8000 })
  })

  it('refuses what is not a layer III header', () => {
    for (const bytes of [
      [0xff, 0xfd, 0x90, 0x64], // layer II
      [0xff, 0xeb, 0x90, 0x64], // reserved version
      [0xff, 0xfb, 0x00, 0x64], // free format
      [0xff, 0xfb, 0xf0, 0x64], // bad bitrate index
      [0xff, 0xfb, 0x9c, 0x64], // reserved sample rate
      [0xff, 0xfb, 0x90, 0x66], // reserved emphasis
      [0xfe, 0xfb, 0x90, 0x64] // no sync
    ]) expect(readMp3Header(Buffer.from(bytes), 0)).toBeUndefined()
    expect(readMp3Header(Buffer.from([0xff, 0xfb, 0x90]), 0)).toBeUndefined()
  })
})

describe('MP3 parser', () => {
  const tone = fixture('tone.mp3')

  it('cuts the fixture into whole frames timed by their headers, title from ID3v2, Xing/Info left out', () => {
    const p = parse('mp3', tone)
    expect(p.titles).toEqual(['Tornet - Fixture Tone'])
    expect(p.ms).toBeGreaterThan(1000)
    expect(p.ms).toBeLessThan(1000 + 3 * MAX_FRAME_MS) // encoder delay and padding, no more
    expect(p.parser.dropped).toBe(0)
    expect(p.parser.bitrateKbps).toBe(32)
    for (const f of p.frames) {
      const h = readMp3Header(f, 0)
      expect(h?.frameBytes).toBe(f.length)
      expect(f.includes('Info')).toBe(false)
      expect(f.includes('Xing')).toBe(false)
    }
    // Everything after the tag is frames (the Info frame, then the audio).
    const tag = id3v2TagBytes(tone) ?? 0
    const infoBytes = readMp3Header(tone, tag)?.frameBytes ?? 0
    expect(p.frames.reduce((a, f) => a + f.length, 0)).toBe(tone.length - tag - infoBytes)
  })

  it('gives the same frames whatever the chunking', () => {
    const whole = parse('mp3', tone)
    for (const chunk of [1, 7, 417, 4096]) {
      const p = parse('mp3', tone, chunk)
      expect(p.frames).toEqual(whole.frames)
      expect(p.titles).toEqual(whole.titles)
    }
  })

  it('skips an ID3v1 tag at the end and garbage before the first frame', () => {
    const v1 = Buffer.concat([Buffer.from('TAG'), Buffer.alloc(125, 0x41)])
    const p = parse('mp3', Buffer.concat([noise(3000), tone, v1]), 512)
    expect(p.frames).toEqual(parse('mp3', tone).frames)
    expect(p.parser.dropped).toBe(0)
  })

  it('drops a truncated last frame and counts it', () => {
    const whole = parse('mp3', tone)
    const p = parse('mp3', tone.subarray(0, tone.length - 50))
    expect(p.frames).toEqual(whole.frames.slice(0, -1))
    expect(p.parser.dropped).toBe(1)
  })

  it('throws UNKNOWN_FORMAT for garbage, and CORRUPT when a stream loses sync for too long', () => {
    expect(() => parse('mp3', noise(200_000))).toThrow(expect.objectContaining({ code: RadioCodecErrorCode.UNKNOWN_FORMAT }))
    expect(() => parse('mp3', Buffer.alloc(0))).toThrow(expect.objectContaining({ code: RadioCodecErrorCode.UNKNOWN_FORMAT }))
    expect(() => parse('mp3', Buffer.concat([tone, noise(100_000, 7)]), 4096)).toThrow(expect.objectContaining({ code: RadioCodecErrorCode.CORRUPT }))
  })

  it('survives damage inside the stream: resyncs after a burst of noise', () => {
    const whole = parse('mp3', tone)
    const damaged = Buffer.from(tone)
    const at = Math.floor(tone.length / 2)
    noise(300, 3).copy(damaged, at)
    const p = parse('mp3', damaged, 333)
    expect(p.frames.length).toBeGreaterThan(whole.frames.length / 2)
    expect(p.frames.length).toBeLessThanOrEqual(whole.frames.length)
    for (const f of p.frames) expect(readMp3Header(f, 0)?.frameBytes).toBe(f.length)
  })

  it('reads ID3v2.3 UTF-16 and v2.2 titles', () => {
    const utf16 = Buffer.concat([Buffer.from([1, 0xff, 0xfe]), Buffer.from('Été', 'utf16le')])
    const frame = Buffer.concat([Buffer.from('TIT2'), u32be(utf16.length), Buffer.alloc(2), utf16])
    expect(id3v2Title(Buffer.concat([Buffer.from('ID3'), Buffer.from([3, 0, 0, 0, 0, 0, frame.length]), frame]))).toBe('Été')
    const v22 = Buffer.concat([Buffer.from('TT2'), Buffer.from([0, 0, 4, 0]), Buffer.from('abc')])
    expect(id3v2Title(Buffer.concat([Buffer.from('ID3'), Buffer.from([2, 0, 0, 0, 0, 0, v22.length]), v22]))).toBe('abc')
    // A frame claiming more bytes than the tag holds ends the scan without a title.
    const bad = Buffer.concat([Buffer.from('TIT2'), u32be(9999), Buffer.alloc(2), Buffer.from('x')])
    expect(id3v2Title(Buffer.concat([Buffer.from('ID3'), Buffer.from([3, 0, 0, 0, 0, 0, bad.length]), bad]))).toBeUndefined()
  })

  it.skipIf(!HAVE_FFMPEG)('a listener joining mid-stream gets frames ffmpeg decodes', () => {
    const b = ffmpegTone('mid.mp3', 6, ['-c:a', 'libmp3lame', '-b:a', '64k'])
    const p = parse('mp3', b, 3000)
    const late = Buffer.concat(p.frames.slice(Math.floor(p.frames.length / 2)))
    const pcm = execFileSync('ffmpeg', ['-hide_banner', '-loglevel', 'error', '-f', 'mp3', '-i', 'pipe:0', '-f', 's16le', '-ac', '1', '-ar', '44100', 'pipe:1'], { input: late })
    expect(pcm.length / 2 / 44100).toBeGreaterThan(2.8)
  })

  it.skipIf(!HAVE_FFMPEG)('times MPEG-1, MPEG-2 and MPEG-2.5 files as ffprobe does', () => {
    for (const [rate, kbps] of [[44100, '128k'], [22050, '32k'], [8000, '8k']] as const) {
      const b = ffmpegTone(`t${rate}.mp3`, 5, ['-ar', String(rate), '-c:a', 'libmp3lame', '-b:a', kbps])
      const p = parse('mp3', b, 1000)
      // ffprobe trims the encoder delay the Info frame declares; we play every frame, so allow a few.
      expect(Math.abs(p.ms / 1000 - probeSeconds(`p${rate}.mp3`, b))).toBeLessThan(0.2)
      expect(p.ms).toBeGreaterThanOrEqual(5000)
    }
  })
})

function u32be (n: number): Buffer {
  const b = Buffer.alloc(4)
  b.writeUInt32BE(n)
  return b
}
