/**
 * Test audio: an MP3 made by ffmpeg (a sine tone by default), cut into
 * whole frames and fed to a Broadcast at real time, segment by segment,
 * the way `tornet radio broadcast` does. Only what ffmpeg's encoder writes
 * is understood (MPEG-1/2 layer III, no ID3 or Xing frame: we ask it for
 * none); the codec code for arbitrary files lives in src/node/services/radio/codecs.
 */
import { execFile } from 'node:child_process'
import { readFile } from 'node:fs/promises'
import { join } from 'node:path'
import { promisify } from 'node:util'
import type { Broadcast } from '../../src/node/services/radio/radio-api.js'

const run = promisify(execFile)

export interface Mp3Frame { bytes: Buffer, durationMs: number }

/** A `seconds`-long tone as MP3 (ffmpeg's lavfi sine), mono 44.1 kHz at `kbps`. */
export async function makeToneMp3 (dir: string, opts: { hz?: number, seconds?: number, kbps?: number } = {}): Promise<Buffer> {
  const file = join(dir, `tone-${opts.hz ?? 440}.mp3`)
  await run('ffmpeg', ['-nostdin', '-loglevel', 'error', '-y', '-f', 'lavfi', '-i', `sine=frequency=${opts.hz ?? 440}:sample_rate=44100:duration=${opts.seconds ?? 20}`,
    '-ac', '1', '-c:a', 'libmp3lame', '-b:a', `${opts.kbps ?? 64}k`, '-write_xing', '0', '-id3v2_version', '0', '-f', 'mp3', file])
  return await readFile(file)
}

const BITRATES_V1 = [0, 32, 40, 48, 56, 64, 80, 96, 112, 128, 160, 192, 224, 256, 320]
const BITRATES_V2 = [0, 8, 16, 24, 32, 40, 48, 56, 64, 80, 96, 112, 128, 144, 160]
const RATES: Record<number, number[]> = { 3: [44100, 48000, 32000], 2: [22050, 24000, 16000], 0: [11025, 12000, 8000] }

/** The layer III frames of `mp3`, in order; throws at the first byte that is not a frame header. */
export function mp3Frames (mp3: Buffer): Mp3Frame[] {
  const frames: Mp3Frame[] = []
  let at = 0
  while (at + 4 <= mp3.length) {
    const h = mp3.readUInt32BE(at)
    const version = (h >>> 19) & 3 // 3: MPEG-1, 2: MPEG-2, 0: MPEG-2.5
    const layer = (h >>> 17) & 3 // 1: layer III
    const bitrateIndex = (h >>> 12) & 15
    const rateIndex = (h >>> 10) & 3
    if ((h >>> 21) !== 0x7ff || version === 1 || layer !== 1 || bitrateIndex === 0 || bitrateIndex === 15 || rateIndex === 3) {
      throw new Error(`no MP3 frame header at byte ${at}`)
    }
    const rate = RATES[version]![rateIndex]!
    const kbps = (version === 3 ? BITRATES_V1 : BITRATES_V2)[bitrateIndex]!
    const samples = version === 3 ? 1152 : 576
    const length = Math.floor((samples / 8) * kbps * 1000 / rate) + ((h >>> 9) & 1)
    if (at + length > mp3.length) break // a cut-off last frame
    frames.push({ bytes: mp3.subarray(at, at + length), durationMs: samples * 1000 / rate })
    at += length
  }
  return frames
}

/** Frames grouped into segments of about `segmentMs`. */
export function mp3Segments (frames: Mp3Frame[], segmentMs = 500): Mp3Frame[] {
  const out: Mp3Frame[] = []
  let parts: Buffer[] = []
  let ms = 0
  for (const f of frames) {
    parts.push(f.bytes)
    ms += f.durationMs
    if (ms >= segmentMs) {
      out.push({ bytes: Buffer.concat(parts), durationMs: ms })
      parts = []
      ms = 0
    }
  }
  if (parts.length > 0) out.push({ bytes: Buffer.concat(parts), durationMs: ms })
  return out
}

/**
 * Pushes the segments to `broadcast` at real time, looping, until stopped.
 * `aheadMs` of audio goes out at once first (a live source's encoder delay).
 */
export function feedLoop (broadcast: Pick<Broadcast, 'pushAudio'>, segments: Mp3Frame[], aheadMs = 0): { stop (): void, pushed (): number } {
  const started = performance.now()
  let playedMs = 0
  let i = 0
  let count = 0
  let timer: NodeJS.Timeout | undefined
  const tick = (): void => {
    while (playedMs <= performance.now() - started + aheadMs) {
      const s = segments[i++ % segments.length]!
      broadcast.pushAudio(s.bytes, Math.round(s.durationMs)) // the service takes whole milliseconds; pacing keeps the exact time
      playedMs += s.durationMs
      count++
    }
    timer = setTimeout(tick, 50)
  }
  tick()
  return { stop: () => clearTimeout(timer), pushed: () => count }
}
