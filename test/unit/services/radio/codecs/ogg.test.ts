import { execFileSync } from 'node:child_process'
import { describe, expect, it } from 'vitest'
import { RadioCodecErrorCode } from '../../../../../src/node/services/radio/codecs/errors.js'
import { oggPageCrc } from '../../../../../src/node/services/radio/codecs/ogg-crc.js'
import { readOggPage } from '../../../../../src/node/services/radio/codecs/ogg-page.js'
import { MAX_SEGMENT_PAYLOAD } from '../../../../../src/node/services/radio/radio-api.js'
import { HAVE_FFMPEG, ffmpegTone, fixture, noise, parse } from './codec-test-kit.js'

/** One Ogg page with a correct CRC: `packets` are laced whole (each ends on this page). */
function page (opts: { flags?: number, granule?: bigint, serial?: number, seq?: number, packets: Buffer[] }): Buffer {
  const lacing: number[] = []
  for (const p of opts.packets) {
    let n = p.length
    while (n >= 255) { lacing.push(255); n -= 255 }
    lacing.push(n)
  }
  const h = Buffer.alloc(27)
  h.write('OggS', 0, 'latin1')
  h[5] = opts.flags ?? 0
  h.writeBigInt64LE(opts.granule ?? 0n, 6)
  h.writeUInt32LE(opts.serial ?? 1, 14)
  h.writeUInt32LE(opts.seq ?? 0, 18)
  h[26] = lacing.length
  const b = Buffer.concat([h, Buffer.from(lacing), ...opts.packets])
  b.writeUInt32LE(oggPageCrc(b), 22)
  return b
}

function opusHead (preSkip: number): Buffer {
  const b = Buffer.alloc(19)
  b.write('OpusHead', 0, 'latin1')
  b[8] = 1; b[9] = 2
  b.writeUInt16LE(preSkip, 10)
  b.writeUInt32LE(48000, 12)
  return b
}

function opusTags (tags: string[]): Buffer {
  const parts = [Buffer.from('OpusTags'), u32(3), Buffer.from('lib'), u32(tags.length)]
  for (const t of tags) parts.push(u32(Buffer.byteLength(t)), Buffer.from(t))
  return Buffer.concat(parts)
}

function u32 (n: number): Buffer {
  const b = Buffer.alloc(4)
  b.writeUInt32LE(n)
  return b
}

describe('Ogg pages', () => {
  it('checks the CRC and splits the body into packet pieces', () => {
    const p = page({ granule: 960n, packets: [Buffer.alloc(300, 1), Buffer.alloc(10, 2)] })
    const r = readOggPage(p)
    expect(r.status).toBe('page')
    if (r.status !== 'page') return
    expect(r.page.granule).toBe(960)
    expect(r.page.pieces.map(x => x.length)).toEqual([300, 10])
    expect(r.page.ends).toEqual([true, true])
    const bad = Buffer.from(p)
    bad[40] ^= 1
    expect(readOggPage(bad)).toEqual({ status: 'bad', why: 'Ogg page checksum mismatch' })
    expect(readOggPage(p.subarray(0, 30)).status).toBe('need')
    // Granule −1: no packet ends on the page.
    const cont = page({ granule: -1n, packets: [] })
    const rc = readOggPage(cont)
    expect(rc.status === 'page' && rc.page.granule).toBe(-1)
  })
})

describe('Ogg parser', () => {
  it('Vorbis: header pages are the init, comments give the title, granules the time', () => {
    const p = parse('ogg', fixture('tone.ogg'))
    expect(p.items[0].kind).toBe('init')
    expect(p.titles).toEqual(['Tornet - Fixture Tone'])
    expect(p.ms).toBeCloseTo(1000, 0)
    expect(p.parser.dropped).toBe(0)
    // init + audio pages are the whole file: nothing lost, nothing added.
    expect(Buffer.concat([...p.inits, ...p.frames])).toEqual(fixture('tone.ogg'))
  })

  it('Opus: play time subtracts the pre-skip', () => {
    const b = fixture('tone.opus')
    const p = parse('ogg', b, 100)
    expect(p.titles).toEqual(['Fixture Tone'])
    expect(p.ms).toBeCloseTo(1000, 0)
    expect(Buffer.concat([...p.inits, ...p.frames])).toEqual(b)
  })

  it('times pages by granule differences; a page ending no packet takes no time', () => {
    const stream = Buffer.concat([
      page({ flags: 2, packets: [opusHead(312)] }),
      page({ seq: 1, packets: [opusTags(['TITLE=Song', 'ARTIST=Band'])] }),
      page({ seq: 2, granule: 312n + 48000n, packets: [Buffer.alloc(100)] }),
      page({ seq: 3, granule: -1n, packets: [] }),
      page({ seq: 4, granule: 312n + 72000n, packets: [Buffer.alloc(100)] }),
      // A jump of 20 s (a restarted encoder) is not audio to wait for.
      page({ seq: 5, granule: 312n + 72000n + 960000n, packets: [Buffer.alloc(100)] }),
      page({ seq: 6, granule: 312n + 72000n + 960000n + 960n, packets: [Buffer.alloc(100)] })
    ])
    const p = parse('ogg', stream, 50)
    expect(p.titles).toEqual(['Band - Song'])
    expect(p.items.filter(i => i.kind === 'frame').map(i => i.kind === 'frame' ? i.durationMs : 0)).toEqual([1000, 0, 500, 0, 20])
  })

  it('drops a page with a bad CRC, keeps the rest', () => {
    const good = parse('ogg', fixture('tone.opus'))
    const b = Buffer.from(fixture('tone.opus'))
    const initBytes = good.inits[0].length
    b[initBytes + 100] ^= 0xff // inside the first audio page
    const p = parse('ogg', b)
    expect(p.parser.dropped).toBe(1)
    expect(p.frames).toEqual(good.frames.slice(1))
  })

  it('a new first page (the next file of a chain) starts a new init', () => {
    const one = fixture('tone.opus')
    const p = parse('ogg', Buffer.concat([one, one]), 999)
    expect(p.inits).toHaveLength(2)
    expect(p.ms).toBeCloseTo(2000, 0)
  })

  it('refuses pages over a segment, and headers over a segment, with advice', () => {
    const big = Buffer.concat([
      page({ flags: 2, packets: [opusHead(0)] }),
      page({ seq: 1, packets: [opusTags([])] }),
      page({ seq: 2, granule: 48000n, packets: [Buffer.alloc(MAX_SEGMENT_PAYLOAD)] })
    ])
    expect(() => parse('ogg', big)).toThrow(expect.objectContaining({ code: RadioCodecErrorCode.TOO_LARGE, message: expect.stringContaining('page_duration') }))
    const art = Buffer.concat([
      page({ flags: 2, packets: [opusHead(0)] }),
      page({ seq: 1, packets: [opusTags([`METADATA_BLOCK_PICTURE=${'x'.repeat(20_000)}`])] })
    ])
    expect(() => parse('ogg', art)).toThrow(expect.objectContaining({ code: RadioCodecErrorCode.TOO_LARGE }))
  })

  it('refuses an Ogg stream of another codec, and garbage', () => {
    const flac = page({ flags: 2, packets: [Buffer.from('\x7fFLAC\x01\x00')] })
    const next = page({ seq: 1, packets: [Buffer.alloc(10)] })
    expect(() => parse('ogg', Buffer.concat([flac, next]))).toThrow(expect.objectContaining({ code: RadioCodecErrorCode.UNSUPPORTED }))
    expect(() => parse('ogg', flac)).toThrow(expect.objectContaining({ code: RadioCodecErrorCode.UNSUPPORTED }))
    expect(() => parse('ogg', noise(100_000))).toThrow(expect.objectContaining({ code: RadioCodecErrorCode.UNKNOWN_FORMAT }))
  })

  it('a truncated last page is dropped and counted', () => {
    const b = Buffer.concat([fixture('tone.ogg'), fixture('tone.ogg')])
    const whole = parse('ogg', b)
    const p = parse('ogg', b.subarray(0, b.length - 10))
    expect(p.frames).toEqual(whole.frames.slice(0, -1))
    expect(p.parser.dropped).toBe(1)
  })

  it.skipIf(!HAVE_FFMPEG)('a listener joining mid-stream (init + later pages) gets audio ffmpeg decodes', () => {
    const b = ffmpegTone('mid.opus', 6, ['-c:a', 'libopus', '-b:a', '32k', '-page_duration', '200000', '-f', 'ogg'])
    const p = parse('ogg', b, 4096)
    expect(p.ms).toBeCloseTo(6000, -1)
    const late = Buffer.concat([p.inits[0], ...p.frames.slice(Math.floor(p.frames.length / 2))])
    const pcm = execFileSync('ffmpeg', ['-hide_banner', '-loglevel', 'error', '-i', 'pipe:0', '-f', 's16le', '-ac', '1', '-ar', '48000', 'pipe:1'], { input: late })
    // About half of the 6 s decodes (2 bytes a sample).
    expect(pcm.length / 2 / 48000).toBeGreaterThan(2.5)
  })
})
