/**
 * The header packets of the two Ogg audio codecs a station may carry:
 *
 *   Vorbis  "\x01vorbis" version u32 channels u8 rate u32 … (identification)
 *           "\x03vorbis" comments, "\x05vorbis" setup: 3 header packets
 *   Opus    "OpusHead" version u8 channels u8 pre-skip u16 input rate u32 … (RFC 7845)
 *           "OpusTags" comments: 2 header packets; granules count 48 kHz samples
 *
 * Comments (both): vendor (u32 len + text), count u32, then count × (u32 len + "KEY=value").
 */
import { joinTitle } from './id3-tag.js'

export interface OggCodecInfo {
  name: 'vorbis' | 'opus'
  headerPackets: number
  /** Granule positions count samples at this rate. */
  granuleRate: number
  /** Samples at the start that a decoder discards (Opus pre-skip). */
  preSkip: number
  /** Nominal bit rate from the Vorbis identification header, kbit/s (0 when not given). */
  bitrateKbps: number
}

/** The codec of an identification packet, or undefined when it is neither Vorbis nor Opus. */
export function readOggIdHeader (p: Buffer): OggCodecInfo | undefined {
  if (p.length >= 30 && p[0] === 1 && p.toString('latin1', 1, 7) === 'vorbis') {
    const rate = p.readUInt32LE(12)
    if (rate === 0) return undefined
    const nominal = p.readInt32LE(20)
    return { name: 'vorbis', headerPackets: 3, granuleRate: rate, preSkip: 0, bitrateKbps: nominal > 0 ? Math.round(nominal / 1000) : 0 }
  }
  if (p.length >= 19 && p.toString('latin1', 0, 8) === 'OpusHead') {
    return { name: 'opus', headerPackets: 2, granuleRate: 48000, preSkip: p.readUInt16LE(10), bitrateKbps: 0 }
  }
  return undefined
}

/** "ARTIST - TITLE" from a Vorbis or Opus comment packet; undefined when it has no TITLE or is malformed. */
export function oggCommentTitle (p: Buffer): string | undefined {
  let at: number
  if (p.length >= 7 && p[0] === 3 && p.toString('latin1', 1, 7) === 'vorbis') at = 7
  else if (p.length >= 8 && p.toString('latin1', 0, 8) === 'OpusTags') at = 8
  else return undefined
  const u32 = (): number | undefined => {
    if (at + 4 > p.length) return undefined
    const v = p.readUInt32LE(at)
    at += 4
    return v
  }
  const vendor = u32()
  if (vendor === undefined || at + vendor > p.length) return undefined
  at += vendor
  const count = u32()
  if (count === undefined) return undefined
  const tags: Record<string, string> = {}
  for (let i = 0; i < count; i++) {
    const n = u32()
    if (n === undefined || at + n > p.length) break
    const s = p.toString('utf8', at, at + n)
    at += n
    const eq = s.indexOf('=')
    if (eq > 0) tags[s.slice(0, eq).toUpperCase()] ??= s.slice(eq + 1)
  }
  return joinTitle(tags.ARTIST, tags.TITLE)
}
