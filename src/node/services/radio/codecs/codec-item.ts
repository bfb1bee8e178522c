import type { RadioCodec } from '../radio-api.js'

/**
 * What a frame parser yields, in stream order:
 *   frame  one whole codec unit (an MP3 frame, an ADTS frame, an Ogg audio page)
 *          with its play time taken from the codec's own headers
 *   init   decoder set-up bytes every listener needs first (Ogg header pages)
 *   title  now-playing text found in the stream's tags (ID3v2, Vorbis comments)
 */
export type CodecItem =
  | { kind: 'frame', data: Buffer, durationMs: number }
  | { kind: 'init', data: Buffer }
  | { kind: 'title', text: string }

/**
 * An incremental parser: bytes go in as they arrive (a file read, a pipe), whole
 * units come out. Memory is bounded: a parser holds at most one unit plus a
 * bounded resync window, and throws RadioCodecError past that.
 */
export interface FrameParser {
  readonly codec: RadioCodec
  /** Nominal bit rate, kbit/s, from the headers seen so far (0 until known). */
  readonly bitrateKbps: number
  /** Units dropped as damaged (bad CRC, truncated at the end), for the progress line and tests. */
  readonly dropped: number
  push (chunk: Buffer): CodecItem[]
  /** No more bytes: returns what is left, drops a truncated tail; throws if nothing was ever found. */
  end (): CodecItem[]
}

/** Resync window: bytes searched for the next header before the stream is declared broken. */
export const MAX_RESYNC_BYTES = 64 * 1024
