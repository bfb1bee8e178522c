import { Readable } from 'node:stream'
import { describe, expect, it } from 'vitest'
import { describeBroadcast, feedBroadcast } from '../../../src/cli/radio-feed.js'
import type { PacerClock, SegmentItem } from '../../../src/node/index.js'
import { fakeBroadcast } from './fake-radio.js'

function fakeClock (): PacerClock & { t: number } {
  const c = { t: 0, now: () => c.t, sleep: async (ms: number) => { c.t += ms } }
  return c
}

const KEY = { publicKey: Buffer.alloc(32, 7), privateKey: Buffer.alloc(32, 8) }

describe('feedBroadcast', () => {
  it('hands audio over at real time (a second ahead) and titles and init as they come', async () => {
    const clock = fakeClock()
    const b = fakeBroadcast(KEY, { label: 's', codec: 'ogg', bitrateKbps: 64 }, clock.now)
    const audio = (ms: number): SegmentItem => ({ kind: 'audio', data: Buffer.alloc(100), durationMs: ms, frames: 1 })
    const items: SegmentItem[] = [
      { kind: 'init', data: Buffer.alloc(50) }, { kind: 'title', text: 'One' },
      audio(500), audio(500), audio(500), audio(500), { kind: 'title', text: 'Two' }, audio(250), audio(250)
    ]
    const progress: number[] = []
    const r = await feedBroadcast(b, Readable.from(items), { signal: new AbortController().signal, clock, onProgress: (_s, ms) => progress.push(ms) })
    expect(r).toEqual({ segments: 6, sentMs: 2500 })
    expect(b.calls.map(c => [c.what, c.at])).toEqual([
      ['init', 0], ['title', 0], ['audio', 0], ['audio', 0], ['audio', 0], ['audio', 500], ['title', 500], ['audio', 1000], ['audio', 1250]
    ])
    expect(progress).toEqual([500, 1000, 1500, 2000, 2250, 2500])
  })

  it('hands over whole milliseconds, carrying the fractions so the total stays exact', async () => {
    const clock = fakeClock()
    const b = fakeBroadcast(KEY, { label: 's', codec: 'mp3', bitrateKbps: 64 }, clock.now)
    // 19 MP3 frames at 44.1 kHz: 496.326… ms a segment.
    const seg: SegmentItem = { kind: 'audio', data: Buffer.alloc(10), durationMs: (19 * 1152 * 1000) / 44100, frames: 19 }
    await feedBroadcast(b, Readable.from(Array.from({ length: 100 }, () => seg)), { signal: new AbortController().signal, clock })
    const ms = b.calls.flatMap(c => c.what === 'audio' ? [c.durationMs] : [])
    expect(new Set(ms)).toEqual(new Set([496, 497]))
    expect(ms.reduce((a, x) => a + x, 0)).toBe(Math.round(100 * seg.durationMs))
  })

  it('ends quietly when stopped mid-wait', async () => {
    const ac = new AbortController()
    const b = fakeBroadcast(KEY, { label: 's', codec: 'mp3', bitrateKbps: 64 })
    async function * endless (): AsyncGenerator<SegmentItem> {
      for (;;) yield { kind: 'audio', data: Buffer.alloc(10), durationMs: 500, frames: 1 }
    }
    setTimeout(() => ac.abort(), 100)
    const r = await feedBroadcast(b, endless(), { signal: ac.signal, leadMs: 0 })
    expect(r.segments).toBeGreaterThan(0)
    expect(r.segments).toBeLessThan(3)
  })

  it('the progress line names listeners, relays, rate and title', () => {
    expect(describeBroadcast({ listeners: 1, relays: 2, kbps: 63.6, nowPlaying: 'Song' }, 3_725_000))
      .toBe('on air 1:02:05 · 1 listener · 2 relays · 64 kbit/s · now playing: Song')
    expect(describeBroadcast({ listeners: 0, relays: 1, kbps: 0, nowPlaying: undefined }, 0)).toBe('on air 0:00:00 · 0 listeners · 1 relay · 0 kbit/s')
  })
})
