/**
 * Splitting an Opus page that is larger than a segment into smaller pages at
 * packet boundaries (ffmpeg's default page lasts up to a second: 24 KB at
 * 192 kbit/s). Each new page's granule is the original's less the samples of
 * the packets completed after it, read from each Opus packet's TOC byte
 * (RFC 6716 §3.1), so players time them as they would the original.
 */
import { oggPageCrc } from './ogg-crc.js'
import { FLAG_CONTINUED, OGG_HEADER_BYTES, type OggPage } from './ogg-page.js'

const FLAG_LAST = 4
/** Frame length, in 48 kHz samples, of each of the 32 TOC configurations. */
const FRAME_SAMPLES = [
  480, 960, 1920, 2880, 480, 960, 1920, 2880, 480, 960, 1920, 2880, // SILK 10/20/40/60 ms
  480, 960, 480, 960, // hybrid 10/20 ms
  120, 240, 480, 960, 120, 240, 480, 960, 120, 240, 480, 960, 120, 240, 480, 960 // CELT 2.5/5/10/20 ms
]

/** Samples (48 kHz) of one Opus packet; undefined when its TOC is malformed. */
export function opusPacketSamples (p: Buffer): number | undefined {
  if (p.length === 0) return undefined
  const code = p[0] & 3
  const frames = code === 0 ? 1 : code < 3 ? 2 : p.length >= 2 ? p[1] & 0x3f : 0
  const samples = frames * FRAME_SAMPLES[p[0] >> 3]
  // A packet holds at most 120 ms.
  return frames === 0 || samples > 5760 ? undefined : samples
}

/** Rebuilds a page from `page`'s header with the given pieces, flags, granule and sequence number. */
export function buildOggPage (page: OggPage, pieces: Buffer[], ends: boolean[], flags: number, granule: number, seq: number): Buffer {
  const lacing: number[] = []
  pieces.forEach((p, i) => {
    for (let n = p.length; n >= 255; n -= 255) lacing.push(255)
    if (ends[i]) lacing.push(p.length % 255)
  })
  const h = Buffer.from(page.bytes.subarray(0, OGG_HEADER_BYTES))
  h[5] = flags
  h.writeBigInt64LE(BigInt(granule), 6)
  h.writeUInt32LE(seq >>> 0, 18)
  h[26] = lacing.length
  const b = Buffer.concat([h, Buffer.from(lacing), ...pieces])
  b.writeUInt32LE(oggPageCrc(b), 22)
  return b
}

/**
 * The page cut into pages of at most `maxBytes`, numbered from `seq`; undefined
 * when it cannot be (one packet alone too big, a TOC that does not parse).
 */
export function splitOpusPage (page: OggPage, maxBytes: number, seq: number): Buffer[] | undefined {
  const groups: number[][] = []
  let group: number[] = []
  let bytes = OGG_HEADER_BYTES
  for (let i = 0; i < page.pieces.length; i++) {
    const cost = page.pieces[i].length + Math.floor(page.pieces[i].length / 255) + 1
    if (OGG_HEADER_BYTES + cost > maxBytes) return undefined
    if (bytes + cost > maxBytes && group.length > 0) { groups.push(group); group = []; bytes = OGG_HEADER_BYTES }
    group.push(i)
    bytes += cost
  }
  if (group.length > 0) groups.push(group)
  // Samples of the packets completed on this page, to walk the granule back from its end.
  const samples: number[] = []
  for (let i = 0; i < page.pieces.length; i++) {
    if (!page.ends[i]) { samples.push(0); continue }
    // The first piece may finish a packet begun on the previous page: its TOC was there.
    const s = i === 0 && (page.flags & FLAG_CONTINUED) !== 0 ? 0 : opusPacketSamples(page.pieces[i])
    if (s === undefined) return undefined
    samples.push(s)
  }
  let after = samples.reduce((a, s) => a + s, 0)
  const out: Buffer[] = []
  groups.forEach((g, k) => {
    after -= g.reduce((a, i) => a + samples[i], 0)
    const completes = g.some(i => page.ends[i])
    const first = k === 0 ? page.flags & FLAG_CONTINUED : 0
    const last = k === groups.length - 1 ? page.flags & FLAG_LAST : 0
    const granule = page.granule < 0 || !completes ? -1 : page.granule - after
    out.push(buildOggPage(page, g.map(i => page.pieces[i]), g.map(i => page.ends[i]), first | last, granule, seq + k))
  })
  return out
}
