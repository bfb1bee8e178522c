import type { RadioCodec } from '../radio-api.js'
import { ByteQueue } from './byte-queue.js'
import { type CodecItem, type FrameParser, MAX_RESYNC_BYTES } from './codec-item.js'
import { CONVERT_HINT, RadioCodecError, RadioCodecErrorCode } from './errors.js'
import { ID3V1_BYTES, ID3V2_HEADER_BYTES, ID3_TITLE_SCAN_BYTES, id3v2TagBytes, id3v2Title } from './id3-tag.js'

/** What a sync-word format's header tells: enough to cut and time a frame. */
export interface SyncHeader {
  frameBytes: number
  samples: number
  sampleRate: number
  /** Equal for every frame of one stream; a header that differs is a false sync. */
  streamKey: number
}

export interface SyncFormat<H extends SyncHeader> {
  codec: RadioCodec
  name: string
  headerBytes: number
  read: (b: Uint8Array, p: number) => H | undefined
  /** Frames to leave out of the broadcast (MP3's Xing/Info frame). */
  skip?: (frame: Uint8Array, h: H) => boolean
}

/**
 * Frames of a sync-word format (MP3, AAC ADTS) cut from a byte stream. A
 * header is trusted only when the next frame's header follows where it says
 * and matches it (or the stream ends there); until the stream is locked that
 * way, and whenever a header is missing, the parser slides one byte and
 * searches on, at most MAX_RESYNC_BYTES. ID3v2 tags (anywhere, as live streams
 * repeat them) give the now-playing title; ID3v1 is dropped.
 */
export class SyncFrameParser<H extends SyncHeader> implements FrameParser {
  readonly codec: RadioCodec
  bitrateKbps = 0
  dropped = 0
  private readonly q = new ByteQueue()
  private skipBytes = 0
  private searched = 0
  private locked: number | undefined
  private frames = 0
  private bytes = 0
  private ms = 0

  constructor (private readonly format: SyncFormat<H>) {
    this.codec = format.codec
  }

  push (chunk: Buffer): CodecItem[] {
    this.q.append(chunk)
    return this.drain(false)
  }

  end (): CodecItem[] {
    const out = this.drain(true)
    if (this.q.length > 0) this.dropped++
    if (this.frames === 0) {
      throw new RadioCodecError(RadioCodecErrorCode.UNKNOWN_FORMAT, `no ${this.format.name} frames found: ${CONVERT_HINT}`)
    }
    return out
  }

  private drain (final: boolean): CodecItem[] {
    const out: CodecItem[] = []
    const q = this.q
    for (;;) {
      if (this.skipBytes > 0) {
        const n = Math.min(this.skipBytes, q.length)
        q.consume(n)
        this.skipBytes -= n
        if (this.skipBytes > 0) return out
      }
      if (q.length < 4) return out
      if (q.startsWith('ID3')) {
        if (q.length < ID3V2_HEADER_BYTES && !final) return out
        const total = id3v2TagBytes(q.view(0, ID3V2_HEADER_BYTES))
        if (total !== undefined) {
          const scan = Math.min(total, ID3_TITLE_SCAN_BYTES)
          if (q.length < scan && !final) return out
          const title = id3v2Title(q.view(0, Math.min(scan, q.length)))
          if (title !== undefined) out.push({ kind: 'title', text: title })
          this.skipBytes = total
          continue
        }
      }
      if (q.startsWith('TAG')) {
        this.skipBytes = ID3V1_BYTES
        continue
      }
      // A header split across reads waits for its last bytes (ADTS needs 7, more than the 4 above).
      if (q.length < this.format.headerBytes) return out
      const h = this.format.read(q.view(0, this.format.headerBytes), 0)
      if (h === undefined || (this.locked !== undefined && h.streamKey !== this.locked)) {
        this.slide()
        continue
      }
      // Wait for the whole frame (and, before locking, the next header); at the end of the
      // stream this is a truncated tail, which end() counts as dropped.
      if (q.length < h.frameBytes + (this.locked === undefined && !final ? this.format.headerBytes : 0)) return out
      if (this.locked === undefined && q.length > h.frameBytes) {
        const next = this.format.read(q.view(h.frameBytes, this.format.headerBytes), 0)
        if (next === undefined || next.streamKey !== h.streamKey) {
          this.slide()
          continue
        }
      }
      this.locked = h.streamKey
      this.searched = 0
      const data = q.copy(0, h.frameBytes)
      q.consume(h.frameBytes)
      if (this.format.skip?.(data, h) === true) continue
      const durationMs = (h.samples * 1000) / h.sampleRate
      this.frames++
      // An average over the stream: right for VBR MP3 and for ADTS, whose frames vary in size.
      this.bytes += data.length
      this.ms += durationMs
      this.bitrateKbps = Math.round((this.bytes * 8) / this.ms)
      out.push({ kind: 'frame', data, durationMs })
    }
  }

  private slide (): void {
    this.q.consume(1)
    if (++this.searched <= MAX_RESYNC_BYTES) return
    if (this.frames === 0) {
      throw new RadioCodecError(RadioCodecErrorCode.UNKNOWN_FORMAT, `no ${this.format.name} frame in the first ${MAX_RESYNC_BYTES} bytes: ${CONVERT_HINT}`)
    }
    throw new RadioCodecError(RadioCodecErrorCode.CORRUPT, `${this.format.name} stream lost sync for ${MAX_RESYNC_BYTES} bytes after ${this.frames} frames: the input is damaged or not one stream; ${CONVERT_HINT}`)
  }
}
