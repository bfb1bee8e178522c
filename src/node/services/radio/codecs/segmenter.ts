import { MAX_SEGMENT_PAYLOAD } from '../radio-api.js'
import type { CodecItem } from './codec-item.js'
import { RadioCodecError, RadioCodecErrorCode } from './errors.js'

/** Play time a segment aims at: short enough for a fast start, long enough to keep per-segment cost low. */
export const TARGET_SEGMENT_MS = 500

/** What the broadcaster hands to Broadcast: audio segments of whole frames, init and title changes. */
export type SegmentItem =
  | { kind: 'audio', data: Buffer, durationMs: number, frames: number }
  | { kind: 'init', data: Buffer }
  | { kind: 'title', text: string }

/**
 * Groups whole frames into segments of about TARGET_SEGMENT_MS and at most
 * MAX_SEGMENT_PAYLOAD bytes. An init or title closes the segment being built
 * first, so every item keeps its place in the stream.
 */
export class Segmenter {
  private frames: Buffer[] = []
  private bytes = 0
  private ms = 0

  constructor (
    private readonly targetMs = TARGET_SEGMENT_MS,
    private readonly maxBytes = MAX_SEGMENT_PAYLOAD
  ) {}

  push (items: CodecItem[]): SegmentItem[] {
    const out: SegmentItem[] = []
    for (const it of items) {
      if (it.kind !== 'frame') {
        this.flushInto(out)
        out.push(it)
        continue
      }
      if (it.data.length > this.maxBytes) {
        throw new RadioCodecError(RadioCodecErrorCode.TOO_LARGE, `a ${it.data.length}-byte frame is over a segment's ${this.maxBytes} bytes`)
      }
      if (this.bytes + it.data.length > this.maxBytes) this.flushInto(out)
      this.frames.push(it.data)
      this.bytes += it.data.length
      this.ms += it.durationMs
      if (this.ms >= this.targetMs) this.flushInto(out)
    }
    return out
  }

  /** The partial segment at the end of a stream (or before switching files). */
  flush (): SegmentItem[] {
    const out: SegmentItem[] = []
    this.flushInto(out)
    return out
  }

  private flushInto (out: SegmentItem[]): void {
    if (this.frames.length === 0) return
    out.push({ kind: 'audio', data: Buffer.concat(this.frames), durationMs: this.ms, frames: this.frames.length })
    this.frames = []
    this.bytes = 0
    this.ms = 0
  }
}
