/**
 * SHOUTcast/Icecast in-band metadata ("ICY"). A client that sends
 * `Icy-MetaData: 1` gets `icy-metaint: N`, and then after every N bytes of
 * audio one metadata block:
 *
 *   length  u8           the block's size in units of 16 bytes (0: nothing new)
 *   text    length × 16  "StreamTitle='…';", padded with NUL bytes
 *
 * Players find the title between `StreamTitle='` and the first `';`, and stop
 * at a NUL, so those cannot appear inside it: a straight quote becomes a
 * typographic one (the title still reads right, where a backslash escape
 * would show up in every player) and control characters become spaces.
 */

/** Icecast's usual interval; VLC, mpv and browsers' players accept any. */
export const DEFAULT_METAINT = 16_000

const MAX_BLOCK = 255 * 16
const EMPTY_BLOCK = Buffer.alloc(1) // length 0: the title has not changed

/** The title as it may stand between the quotes. */
export function icyTitleText (title: string): string {
  return title.replace(/'/g, '\u2019').replace(/[\u0000-\u001f\u007f]/g, ' ')
}

/** One metadata block carrying `title`, cut (at a character boundary) to the largest block there is. */
export function icyTitleBlock (title: string): Buffer {
  let text = icyTitleText(title)
  let body = Buffer.from(`StreamTitle='${text}';`, 'utf8')
  while (body.length > MAX_BLOCK) {
    text = [...text].slice(0, -Math.max(1, Math.ceil((body.length - MAX_BLOCK) / 4))).join('')
    body = Buffer.from(`StreamTitle='${text}';`, 'utf8')
  }
  const units = Math.ceil(body.length / 16)
  const block = Buffer.alloc(1 + units * 16) // zero-filled: the padding
  block[0] = units
  body.copy(block, 1)
  return block
}

/**
 * Cuts an audio byte stream into metaint-sized runs with a metadata block
 * after each. Pure: it returns what to write, the caller writes it.
 */
export class IcyFramer {
  private untilBlock: number
  private title: string | undefined
  private sent: string | undefined

  constructor (readonly metaint: number = DEFAULT_METAINT) {
    if (!Number.isInteger(metaint) || metaint < 1) throw new RangeError(`metaint must be a positive integer, not ${metaint}`)
    this.untilBlock = metaint
  }

  /** The title the next block carries (when it differs from the last one sent). */
  setTitle (title: string | undefined): void {
    this.title = title
  }

  /** The pieces to write for `audio`, metadata blocks in their places. */
  frame (audio: Buffer): Buffer[] {
    const out: Buffer[] = []
    let at = 0
    while (audio.length - at >= this.untilBlock) {
      out.push(audio.subarray(at, at + this.untilBlock), this.block())
      at += this.untilBlock
      this.untilBlock = this.metaint
    }
    if (at < audio.length) {
      out.push(audio.subarray(at))
      this.untilBlock -= audio.length - at
    }
    return out
  }

  private block (): Buffer {
    if (this.title === undefined || this.title === this.sent) return EMPTY_BLOCK
    this.sent = this.title
    return icyTitleBlock(this.title)
  }
}
