/**
 * ID3 tags around MP3 (and sometimes ADTS) audio: skipped, and the title read.
 *
 *   ID3v2   "ID3" ver u8 (2..4) rev u8 flags u8 size 4×7-bit (syncsafe) [+ 10-byte footer if flags & 0x10]
 *           frames: v2.3/v2.4 id 4 + size 4 (v2.4 syncsafe) + flags 2; v2.2 id 3 + size 3
 *           text frame: encoding u8 (0 latin1, 1 UTF-16 BOM, 2 UTF-16BE, 3 UTF-8) + text
 *   ID3v1   "TAG" + 125 bytes, at the very end of a file
 */

export const ID3V2_HEADER_BYTES = 10
export const ID3V1_BYTES = 128
/** The most of a tag read for its title; the rest (cover art) is skipped unread. */
export const ID3_TITLE_SCAN_BYTES = 64 * 1024

/** Total bytes of the ID3v2 tag starting at `b[0]`, or undefined when it is not a valid tag header. */
export function id3v2TagBytes (b: Uint8Array): number | undefined {
  if (b.length < ID3V2_HEADER_BYTES || b[0] !== 0x49 || b[1] !== 0x44 || b[2] !== 0x33) return undefined
  if (b[3] < 2 || b[3] > 4 || b[4] === 0xff) return undefined
  let size = 0
  for (let i = 6; i < 10; i++) {
    if (b[i] >= 0x80) return undefined
    size = size * 128 + b[i]
  }
  return ID3V2_HEADER_BYTES + size + ((b[5] & 0x10) !== 0 ? 10 : 0)
}

/** "ARTIST - TITLE" (or the title alone) from the frames of an ID3v2 tag prefix; undefined when absent. */
export function id3v2Title (tag: Uint8Array): string | undefined {
  const version = tag[3]
  const idBytes = version === 2 ? 3 : 4
  const headBytes = version === 2 ? 6 : 10
  let p = ID3V2_HEADER_BYTES
  if (version !== 2 && (tag[5] & 0x40) !== 0 && tag.length >= p + 4) {
    // An extended header: v2.4 counts its own size (syncsafe), v2.3 does not.
    const n = version === 4 ? syncsafe(tag, p) : readU32(tag, p) + 4
    p += n
  }
  const found: Record<string, string> = {}
  while (p + headBytes <= tag.length && tag[p] !== 0) {
    const id = Buffer.from(tag.subarray(p, p + idBytes)).toString('latin1')
    const size = version === 2 ? (tag[p + 3] << 16) | (tag[p + 4] << 8) | tag[p + 5] : version === 4 ? syncsafe(tag, p + 4) : readU32(tag, p + 4)
    const body = p + headBytes
    if (size <= 0 || body + size > tag.length) break
    if (id === 'TIT2' || id === 'TT2') found.title = decodeText(tag.subarray(body, body + size))
    if (id === 'TPE1' || id === 'TP1') found.artist = decodeText(tag.subarray(body, body + size))
    p = body + size
  }
  return joinTitle(found.artist, found.title)
}

/** "ARTIST - TITLE", the title alone, or undefined: the one way a now-playing line is built. */
export function joinTitle (artist: string | undefined, title: string | undefined): string | undefined {
  const t = title?.trim() ?? ''
  const a = artist?.trim() ?? ''
  if (t === '') return undefined
  return a === '' ? t : `${a} - ${t}`
}

function decodeText (b: Uint8Array): string {
  const enc = b[0]
  const text = Buffer.from(b.subarray(1))
  let s: string
  if (enc === 1 || enc === 2) {
    let t = text
    let be = enc === 2
    if (t.length >= 2 && t[0] === 0xfe && t[1] === 0xff) { be = true; t = t.subarray(2) } else if (t.length >= 2 && t[0] === 0xff && t[1] === 0xfe) { be = false; t = t.subarray(2) }
    const even = Buffer.from(t.subarray(0, t.length & ~1))
    if (be) even.swap16()
    s = even.toString('utf16le')
  } else {
    s = text.toString(enc === 3 ? 'utf8' : 'latin1')
  }
  // Multiple values are NUL-separated: the first one is the title.
  return s.split('\0')[0]
}

function syncsafe (b: Uint8Array, p: number): number {
  return ((b[p] & 0x7f) << 21) | ((b[p + 1] & 0x7f) << 14) | ((b[p + 2] & 0x7f) << 7) | (b[p + 3] & 0x7f)
}

function readU32 (b: Uint8Array, p: number): number {
  return b[p] * 0x1000000 + ((b[p + 1] << 16) | (b[p + 2] << 8) | b[p + 3])
}
