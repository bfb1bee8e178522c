/**
 * AAC ADTS frame headers, 7 bytes (9 with CRC), big-endian bit fields:
 *
 *   sync 12 (all ones) · id 1 · layer 2 (00) · protection absent 1 · profile 2 ·
 *   sampling index 4 (0..12) · private 1 · channel config 3 · original 1 · home 1 ·
 *   copyright id 1 · copyright start 1 · frame length 13 (header included) ·
 *   buffer fullness 11 · raw data blocks − 1 : 2
 *
 * Each raw data block is 1024 samples.
 */
import type { SyncHeader } from './sync-frame-parser.js'

const RATES = [96000, 88200, 64000, 48000, 44100, 32000, 24000, 22050, 16000, 12000, 11025, 8000, 7350]

export const ADTS_HEADER_BYTES = 7

export function readAdtsHeader (b: Uint8Array, p: number): SyncHeader | undefined {
  if (p + 7 > b.length || b[p] !== 0xff || (b[p + 1] & 0xf6) !== 0xf0) return undefined
  const rateIndex = (b[p + 2] >> 2) & 0xf
  if (rateIndex >= RATES.length) return undefined
  const crc = (b[p + 1] & 1) === 0
  const frameBytes = ((b[p + 3] & 3) << 11) | (b[p + 4] << 3) | (b[p + 5] >> 5)
  if (frameBytes < (crc ? 9 : 7) + 1) return undefined
  const samples = ((b[p + 6] & 3) + 1) * 1024
  const sampleRate = RATES[rateIndex]
  return {
    frameBytes,
    samples,
    sampleRate,
    // id, profile, sampling index and channel configuration are fixed within one stream.
    streamKey: ((b[p + 1] & 0x08) << 16) | ((b[p + 2] & 0xfd) << 8) | (b[p + 3] & 0xc0)
  }
}
