import { describe, expect, it } from 'vitest'
import { RadioCodecErrorCode } from '../../../../../src/node/services/radio/codecs/errors.js'
import { sniffCodec } from '../../../../../src/node/services/radio/codecs/sniff.js'
import { fixture, noise } from './codec-test-kit.js'

describe('sniffCodec', () => {
  it('names each fixture', () => {
    expect(sniffCodec(fixture('tone.mp3'), true)).toBe('mp3')
    expect(sniffCodec(fixture('tone.ogg'), true)).toBe('ogg')
    expect(sniffCodec(fixture('tone.opus'), true)).toBe('ogg')
    expect(sniffCodec(fixture('tone.aac'), true)).toBe('aac')
  })

  it('asks for more bytes until it can tell, unless the input has ended', () => {
    const mp3 = fixture('tone.mp3')
    expect(sniffCodec(mp3.subarray(0, 5), false)).toBeUndefined()
    expect(() => sniffCodec(mp3.subarray(0, 5), true)).toThrow(expect.objectContaining({ code: RadioCodecErrorCode.UNKNOWN_FORMAT }))
  })

  it('refuses other formats with advice naming ffmpeg', () => {
    const wav = Buffer.concat([Buffer.from('RIFF\x24\x00\x00\x00WAVEfmt '), noise(40_000)])
    expect(() => sniffCodec(wav, true)).toThrow(expect.objectContaining({ code: RadioCodecErrorCode.UNKNOWN_FORMAT, message: expect.stringMatching(/WAV.*ffmpeg -i IN -f mp3 -/) }))
    expect(() => sniffCodec(Buffer.alloc(0), true)).toThrow(expect.objectContaining({ message: expect.stringContaining('empty') }))
    expect(() => sniffCodec(noise(40_000), false)).toThrow(expect.objectContaining({ code: RadioCodecErrorCode.UNKNOWN_FORMAT }))
  })
})
