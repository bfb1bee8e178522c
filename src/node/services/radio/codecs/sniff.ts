import type { RadioCodec } from '../radio-api.js'
import { readAdtsHeader } from './adts-header.js'
import { CONVERT_HINT, RadioCodecError, RadioCodecErrorCode } from './errors.js'
import { ID3V2_HEADER_BYTES, id3v2TagBytes } from './id3-tag.js'
import { readMp3Header } from './mp3-header.js'
import type { SyncHeader } from './sync-frame-parser.js'

/** Bytes after any ID3v2 tag searched for two consecutive frame headers. */
export const SNIFF_WINDOW = 16 * 1024

/** Formats people try, named so the error says what they gave. */
const KNOWN_OTHERS: Array<[string, string]> = [
  ['RIFF', 'WAV'], ['fLaC', 'FLAC'], ['FORM', 'AIFF'], ['MThd', 'MIDI'], ['<', 'HTML or XML text'], ['#EXTM3U', 'an M3U playlist']
]

/**
 * Which codec the stream starting with `head` is: "OggS" is Ogg; otherwise,
 * past an ID3v2 tag, two consecutive MP3 (or ADTS) frame headers that agree.
 * Returns undefined while more bytes are needed to decide (never when `final`),
 * throws RadioCodecError UNKNOWN_FORMAT when it is none of them.
 */
export function sniffCodec (head: Buffer, final: boolean): RadioCodec | undefined {
  if (head.length >= 4 && head.toString('latin1', 0, 4) === 'OggS') return 'ogg'
  let start = 0
  const tag = id3v2TagBytes(head.subarray(0, ID3V2_HEADER_BYTES))
  if (tag !== undefined) start = tag
  const end = Math.min(head.length, start + SNIFF_WINDOW)
  for (let p = start; p < end; p++) {
    if (head[p] !== 0xff) continue
    if (pairAt(head, p, readMp3Header)) return 'mp3'
    if (pairAt(head, p, readAdtsHeader)) return 'aac'
  }
  if (!final && head.length < start + SNIFF_WINDOW + 8 * 1024) return undefined
  throw unknownFormat(head)
}

function pairAt (b: Buffer, p: number, read: (b: Uint8Array, p: number) => SyncHeader | undefined): boolean {
  const h = read(b, p)
  if (h === undefined) return false
  const next = read(b, p + h.frameBytes)
  return next !== undefined && next.streamKey === h.streamKey
}

function unknownFormat (head: Buffer): RadioCodecError {
  const text = head.toString('latin1', 0, 8)
  const other = KNOWN_OTHERS.find(([magic]) => text.startsWith(magic))?.[1] ??
    (head.length >= 8 && head.toString('latin1', 4, 8) === 'ftyp' ? 'MP4/M4A (AAC in MP4, not ADTS)' : undefined)
  const what = head.length === 0 ? 'the input is empty' : other !== undefined ? `this is ${other}` : 'the input is'
  return new RadioCodecError(RadioCodecErrorCode.UNKNOWN_FORMAT, `${what}${other !== undefined || head.length === 0 ? ',' : ''} not MP3, Ogg or AAC ADTS: ${CONVERT_HINT}`)
}
