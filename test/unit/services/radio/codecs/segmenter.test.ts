import { describe, expect, it } from 'vitest'
import type { CodecItem } from '../../../../../src/node/services/radio/codecs/codec-item.js'
import { Segmenter, type SegmentItem } from '../../../../../src/node/services/radio/codecs/segmenter.js'
import { MAX_SEGMENT_PAYLOAD } from '../../../../../src/node/services/radio/radio-api.js'
import { fixture, parse } from './codec-test-kit.js'

describe('Segmenter', () => {
  it('groups whole frames into ~500 ms segments that keep every byte in order', () => {
    const p = parse('mp3', fixture('tone.mp3'))
    const s = new Segmenter()
    const out = [...s.push(p.items), ...s.flush()]
    const audio = out.filter((x): x is Extract<SegmentItem, { kind: 'audio' }> => x.kind === 'audio')
    expect(Buffer.concat(audio.map(a => a.data))).toEqual(Buffer.concat(p.frames))
    for (const a of audio.slice(0, -1)) {
      expect(a.durationMs).toBeGreaterThanOrEqual(500)
      expect(a.durationMs).toBeLessThan(500 + 36)
    }
    expect(audio.reduce((t, a) => t + a.durationMs, 0)).toBeCloseTo(p.ms, 6)
    expect(out[0]).toEqual({ kind: 'title', text: 'Tornet - Fixture Tone' })
  })

  it('closes a segment before it would pass the payload bound', () => {
    const frame = (n: number): CodecItem => ({ kind: 'frame', data: Buffer.alloc(n, n & 0xff), durationMs: 10 })
    const s = new Segmenter()
    const out = [...s.push([frame(6000), frame(6000), frame(6000), frame(6000)]), ...s.flush()]
    expect(out.map(x => x.kind === 'audio' ? [x.data.length, x.frames] : [])).toEqual([[12000, 2], [12000, 2]])
    for (const x of out) if (x.kind === 'audio') expect(x.data.length).toBeLessThanOrEqual(MAX_SEGMENT_PAYLOAD)
    expect(() => s.push([frame(MAX_SEGMENT_PAYLOAD + 1)])).toThrow(expect.objectContaining({ code: 'RADIO_CODEC_TOO_LARGE' }))
  })

  it('keeps titles and init bytes in their place in the stream', () => {
    const s = new Segmenter()
    const f: CodecItem = { kind: 'frame', data: Buffer.from([1]), durationMs: 100 }
    const out = [...s.push([f, { kind: 'title', text: 'B' }, f, { kind: 'init', data: Buffer.from([9]) }, f]), ...s.flush()]
    expect(out.map(x => x.kind)).toEqual(['audio', 'title', 'audio', 'init', 'audio'])
  })
})
