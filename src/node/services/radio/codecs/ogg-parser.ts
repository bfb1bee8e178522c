import { MAX_SEGMENT_PAYLOAD } from '../radio-api.js'
import { ByteQueue } from './byte-queue.js'
import { type CodecItem, type FrameParser, MAX_RESYNC_BYTES } from './codec-item.js'
import { CONVERT_HINT, RadioCodecError, RadioCodecErrorCode } from './errors.js'
import { type OggCodecInfo, oggCommentTitle, readOggIdHeader } from './ogg-headers.js'
import { oggPageCrc } from './ogg-crc.js'
import { FLAG_FIRST, type OggPage, readOggPage } from './ogg-page.js'
import { splitOpusPage } from './ogg-split.js'

/** The most header bytes kept while reassembling a header packet (cover art in comments is cut off here). */
const MAX_HEADER_PACKET = 256 * 1024
/** The longest play time a page may claim (ffmpeg writes 1 s pages; a segment may last 10 s). */
const MAX_PAGE_MS = 10_000

/**
 * Ogg Vorbis / Opus cut into pages. The header pages of a logical stream are
 * the `init` bytes; each audio page is one unit, timed by the difference of
 * granule positions (less the Opus pre-skip), so a page that ends no packet
 * (granule −1) takes no time of its own. A new first page (a chained file, or
 * the next track of a live source) starts a new init. Pages failing their CRC
 * are dropped and counted; other logical streams (video) are ignored. An Opus
 * page over a segment's payload is split (ogg-split.ts); a Vorbis one is refused.
 */
export class OggParser implements FrameParser {
  readonly codec = 'ogg' as const
  bitrateKbps = 0
  dropped = 0
  private readonly q = new ByteQueue()
  private searched = 0
  private stream: { serial: number, info: OggCodecInfo } | undefined
  private unsupported: string | undefined
  private header: { pages: Buffer[], done: number, packet: Buffer[], packetBytes: number, title?: string } | undefined
  private played = 0
  private seqShift = 0
  private audioBytes = 0
  private audioMs = 0
  private frames = 0

  push (chunk: Buffer): CodecItem[] {
    this.q.append(chunk)
    return this.drain()
  }

  end (): CodecItem[] {
    const out = this.drain()
    if (this.q.length > 0) this.dropped++
    if (this.frames === 0) {
      if (this.unsupported !== undefined) throw this.unsupportedError()
      throw new RadioCodecError(RadioCodecErrorCode.UNKNOWN_FORMAT, `no Ogg Vorbis or Opus audio pages found: ${CONVERT_HINT}`)
    }
    return out
  }

  private drain (): CodecItem[] {
    const out: CodecItem[] = []
    while (this.q.length >= 4) {
      if (!this.q.startsWith('OggS')) { this.slide(); continue }
      const r = readOggPage(this.q.view(0, this.q.length))
      if (r.status === 'need') return out
      if (r.status === 'bad') { this.dropped++; this.slide(); continue }
      this.q.consume(r.page.bytes.length)
      this.searched = 0
      this.onPage(r.page, out)
    }
    return out
  }

  private onPage (page: OggPage, out: CodecItem[]): void {
    if ((page.flags & FLAG_FIRST) !== 0) {
      const info = page.pieces.length > 0 && page.ends[0] ? readOggIdHeader(page.pieces[0]) : undefined
      if (info === undefined) {
        // Another logical stream of a multiplexed file (video, say) may come first: wait for audio.
        this.unsupported ??= page.pieces[0]?.subarray(0, 8).toString('latin1').replace(/[^\x20-\x7e]/g, '')
        return
      }
      this.stream = { serial: page.serial, info }
      this.seqShift = 0
      this.header = { pages: [], done: 0, packet: [], packetBytes: 0 }
      if (info.bitrateKbps > 0) this.bitrateKbps = info.bitrateKbps
    }
    if (this.stream === undefined) {
      // Every first page precedes other pages in Ogg: none was Vorbis or Opus.
      throw this.unsupportedError()
    }
    if (page.serial !== this.stream.serial) return
    if (this.header !== undefined) { this.onHeaderPage(page, out); return }
    const seq = page.bytes.readUInt32LE(18) + this.seqShift
    if (page.bytes.length > MAX_SEGMENT_PAYLOAD) {
      const parts = this.stream.info.name === 'opus' ? splitOpusPage(page, MAX_SEGMENT_PAYLOAD, seq) : undefined
      if (parts === undefined) {
        throw new RadioCodecError(RadioCodecErrorCode.TOO_LARGE,
          `an Ogg page of ${page.bytes.length} bytes is over a segment's ${MAX_SEGMENT_PAYLOAD}: ` +
          're-mux with shorter pages, e.g. ffmpeg -i IN -c copy -page_duration 250000 -f ogg -')
      }
      // Later pages move up by the pages added, so players see no gap in the numbering.
      this.seqShift += parts.length - 1
      for (const b of parts) {
        const r = readOggPage(b)
        if (r.status === 'page') this.onAudioPage(r.page, out)
      }
      return
    }
    if (this.seqShift !== 0) {
      const bytes = Buffer.from(page.bytes)
      bytes.writeUInt32LE(seq >>> 0, 18)
      bytes.writeUInt32LE(oggPageCrc(bytes), 22)
      page = { ...page, bytes }
    }
    this.onAudioPage(page, out)
  }

  private onAudioPage (page: OggPage, out: CodecItem[]): void {
    if (this.stream === undefined) return
    const { granuleRate, preSkip } = this.stream.info
    let durationMs = 0
    if (page.granule >= 0) {
      const played = Math.max(0, page.granule - preSkip)
      // A jump of more than MAX_PAGE_MS is a discontinuity in the source (a restarted encoder), not
      // audio to wait for: it is not paced.
      durationMs = (Math.max(0, played - this.played) * 1000) / granuleRate
      if (durationMs > MAX_PAGE_MS) durationMs = 0
      this.played = Math.max(this.played, played)
    }
    this.frames++
    this.audioBytes += page.bytes.length
    this.audioMs += durationMs
    if (this.stream.info.bitrateKbps === 0 && this.audioMs > 0) this.bitrateKbps = Math.round((this.audioBytes * 8) / this.audioMs)
    out.push({ kind: 'frame', data: page.bytes, durationMs })
  }

  private onHeaderPage (page: OggPage, out: CodecItem[]): void {
    const h = this.header
    if (h === undefined || this.stream === undefined) return
    h.pages.push(page.bytes)
    for (let i = 0; i < page.pieces.length; i++) {
      if (h.packetBytes < MAX_HEADER_PACKET) { h.packet.push(page.pieces[i]); h.packetBytes += page.pieces[i].length }
      if (!page.ends[i]) continue
      h.title ??= oggCommentTitle(Buffer.concat(h.packet))
      h.packet = []
      h.packetBytes = 0
      h.done++
    }
    if (h.done < this.stream.info.headerPackets) return
    const init = Buffer.concat(h.pages)
    if (init.length > MAX_SEGMENT_PAYLOAD) {
      throw new RadioCodecError(RadioCodecErrorCode.TOO_LARGE,
        `the Ogg headers are ${init.length} bytes, over a segment's ${MAX_SEGMENT_PAYLOAD} (cover art in the tags?): ` +
        'strip it, e.g. ffmpeg -i IN -map 0:a -c copy -f ogg -')
    }
    this.header = undefined
    this.played = 0
    out.push({ kind: 'init', data: init })
    if (h.title !== undefined) out.push({ kind: 'title', text: h.title })
  }

  private unsupportedError (): RadioCodecError {
    return new RadioCodecError(RadioCodecErrorCode.UNSUPPORTED,
      `this Ogg stream carries ${this.unsupported === undefined || this.unsupported === '' ? 'an unknown codec' : `'${this.unsupported}'`}, not Vorbis or Opus: ` +
      're-encode, e.g. ffmpeg -i IN -c:a libopus -f ogg - (or -f mp3 -)')
  }

  private slide (): void {
    this.q.consume(1)
    if (++this.searched <= MAX_RESYNC_BYTES) return
    throw new RadioCodecError(this.frames === 0 ? RadioCodecErrorCode.UNKNOWN_FORMAT : RadioCodecErrorCode.CORRUPT,
      `no valid Ogg page in ${MAX_RESYNC_BYTES} bytes${this.frames > 0 ? ` after ${this.frames} pages` : ''}: ${CONVERT_HINT}`)
  }
}
