import { Pacer, systemPacerClock, type Broadcast, type BroadcastStats, type PacerClock, type SegmentItem } from '../node/index.js'

export interface FeedOptions {
  signal: AbortSignal
  clock?: PacerClock
  leadMs?: number
  /** After every audio segment: the broadcast's live figures and the play time sent. */
  onProgress?: (stats: BroadcastStats, sentMs: number) => void
}

export interface FeedResult {
  segments: number
  sentMs: number
}

/**
 * Hands a stream's segments to a broadcast at real time: audio as the pacer
 * allows (summed frame durations against a monotonic clock), titles and Ogg
 * init bytes as they come. Returns when the input ends or the signal fires.
 */
export async function feedBroadcast (b: Broadcast, items: AsyncIterable<SegmentItem>, opts: FeedOptions): Promise<FeedResult> {
  const pacer = new Pacer(opts.clock ?? systemPacerClock, opts.leadMs)
  let segments = 0
  // Segments carry whole milliseconds; the fractions (an MP3 frame is 26.12… ms) are carried
  // over to the next segment, so the stream's clock never drifts from the audio's.
  let carryMs = 0
  try {
    for await (const it of items) {
      if (opts.signal.aborted) break
      if (it.kind === 'init') b.setInit(it.data)
      else if (it.kind === 'title') b.setNowPlaying(it.text)
      else {
        await pacer.next(it.durationMs, opts.signal)
        const wholeMs = Math.max(0, Math.round(carryMs + it.durationMs))
        carryMs += it.durationMs - wholeMs
        b.pushAudio(it.data, wholeMs)
        segments++
        opts.onProgress?.(b.stats(), pacer.sentMs)
      }
    }
  } catch (err) {
    // Ctrl-C lands as an AbortError from the pacer's sleep or the file read: a normal end.
    if (!opts.signal.aborted) throw err
  }
  return { segments, sentMs: pacer.sentMs }
}

/** The progress line: listeners, relays, kbit/s, play time sent, now playing. */
export function describeBroadcast (s: BroadcastStats, sentMs: number): string {
  const t = Math.floor(sentMs / 1000)
  const clock = `${Math.floor(t / 3600)}:${String(Math.floor(t / 60) % 60).padStart(2, '0')}:${String(t % 60).padStart(2, '0')}`
  return `on air ${clock} · ${s.listeners} listener${s.listeners === 1 ? '' : 's'} · ${s.relays} relay${s.relays === 1 ? '' : 's'} · ` +
    `${Math.round(s.kbps)} kbit/s${s.nowPlaying === undefined ? '' : ` · now playing: ${s.nowPlaying}`}`
}
