/**
 * MPEG audio layer III frame headers (MPEG-1, MPEG-2 and MPEG-2.5), 4 bytes big-endian:
 *
 *   sync 11 bits (all ones) · version 2 (00 = 2.5, 10 = 2, 11 = 1) · layer 2 (01 = III) ·
 *   protection 1 · bitrate index 4 · sample-rate index 2 · padding 1 · private 1 ·
 *   channel mode 2 (11 = mono) · mode extension 2 · copyright 1 · original 1 · emphasis 2
 *
 * Frame bytes = 144 (MPEG-1) or 72 (MPEG-2/2.5) × bitrate / sample rate + padding;
 * samples per frame 1152 (MPEG-1) or 576. Free-format bitrate (index 0) is refused:
 * its frame length cannot be read from the header.
 */
import type { SyncHeader } from './sync-frame-parser.js'

const BITRATES_V1 = [0, 32, 40, 48, 56, 64, 80, 96, 112, 128, 160, 192, 224, 256, 320]
const BITRATES_V2 = [0, 8, 16, 24, 32, 40, 48, 56, 64, 80, 96, 112, 128, 144, 160]
const RATES: Record<number, number[]> = { 3: [44100, 48000, 32000], 2: [22050, 24000, 16000], 0: [11025, 12000, 8000] }

export interface Mp3Header extends SyncHeader {
  mpeg1: boolean
  mono: boolean
  crc: boolean
}

export const MP3_HEADER_BYTES = 4

/** The header at b[p..p+4), or undefined when those bytes are not a valid layer III header. */
export function readMp3Header (b: Uint8Array, p: number): Mp3Header | undefined {
  if (p + 4 > b.length || b[p] !== 0xff || (b[p + 1] & 0xe0) !== 0xe0) return undefined
  const version = (b[p + 1] >> 3) & 3
  const layer = (b[p + 1] >> 1) & 3
  const bitrateIndex = b[p + 2] >> 4
  const rateIndex = (b[p + 2] >> 2) & 3
  if (version === 1 || layer !== 1 || bitrateIndex === 0 || bitrateIndex === 15 || rateIndex === 3 || (b[p + 3] & 3) === 2) return undefined
  const mpeg1 = version === 3
  const sampleRate = RATES[version][rateIndex]
  const bitrateKbps = (mpeg1 ? BITRATES_V1 : BITRATES_V2)[bitrateIndex]
  const padding = (b[p + 2] >> 1) & 1
  return {
    frameBytes: Math.floor(((mpeg1 ? 144 : 72) * bitrateKbps * 1000) / sampleRate) + padding,
    samples: mpeg1 ? 1152 : 576,
    sampleRate,
    // Frames of one stream share version, layer and sample rate: that is what resync checks.
    streamKey: (b[p + 1] & 0xfe) * 4 + rateIndex,
    mpeg1,
    mono: (b[p + 3] >> 6) === 3,
    crc: (b[p + 1] & 1) === 0
  }
}

/**
 * True for an encoder's Xing/Info or VBRI frame: a silent first frame carrying
 * seek tables for files. It means nothing mid-stream, so it is not broadcast.
 */
export function isMp3InfoFrame (frame: Uint8Array, h: Mp3Header): boolean {
  const side = h.mpeg1 ? (h.mono ? 17 : 32) : (h.mono ? 9 : 17)
  const at = 4 + (h.crc ? 2 : 0) + side
  const tag = Buffer.from(frame.subarray(at, at + 4)).toString('latin1')
  const vbri = Buffer.from(frame.subarray(36, 40)).toString('latin1')
  return tag === 'Xing' || tag === 'Info' || vbri === 'VBRI'
}
