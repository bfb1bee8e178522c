/**
 * A push-style multipart/form-data parser (RFC 7578 over RFC 2046): bytes
 * in, events out, no I/O, so it can be fed a body split at any offset.
 *
 * The bytes it accepts:
 *
 *   [preamble] "--" boundary [spaces/tabs] CRLF
 *   header-line CRLF ... CRLF            (a part; its header block may be empty)
 *   body bytes
 *   CRLF "--" boundary [spaces/tabs] CRLF (the next part)
 *   ...
 *   CRLF "--" boundary "--" [epilogue]    (the end)
 *
 * A CRLF is put in front of the stream so the first boundary line matches
 * the same delimiter (CRLF "--" boundary) as all the others. A body is
 * emitted as soon as it cannot be the start of a delimiter, so memory stays
 * at one chunk plus a delimiter's length whatever the part's size.
 *
 * Bounds: total bytes, parts, header block bytes, preamble bytes. Every
 * failure is a TornetError with a DASHBOARD_* code, and the parser stays
 * failed afterwards.
 */
import { DASHBOARD_ERRORS, dashboardError } from './errors.js'
import { parsePartHeaders } from './multipart-headers.js'

export interface MultipartLimits {
  maxTotalBytes: number // the whole body
  maxParts: number
  maxHeaderBytes: number // one part's header block
  maxPreambleBytes: number // bytes before the first boundary (browsers send none)
}

export const DEFAULT_MULTIPART_LIMITS: MultipartLimits = {
  maxTotalBytes: 1024 * 1024 * 1024,
  maxParts: 10_000,
  maxHeaderBytes: 8 * 1024,
  maxPreambleBytes: 16 * 1024
}

export type MultipartEvent =
  | { type: 'part', headers: Map<string, string> } // a part begins
  | { type: 'data', bytes: Uint8Array } // some of its body
  | { type: 'part-end' }
  | { type: 'end' } // the closing boundary; anything after it is ignored

type State = 'preamble' | 'delimiter' | 'headers' | 'body' | 'epilogue'

const CR = 0x0d
const LF = 0x0a
const DASH = 0x2d
const HEADER_END = Buffer.from('\r\n\r\n')
const MAX_PADDING = 64 // spaces or tabs allowed after a boundary

export class MultipartParser {
  private state: State = 'preamble'
  private pending: Buffer = Buffer.from('\r\n')
  private readonly delimiter: Buffer
  private readonly limits: MultipartLimits
  private totalBytes = 0
  private partCount = 0
  private preambleBytes = 0
  private failure: Error | undefined

  constructor (boundary: string, limits: Partial<MultipartLimits> = {}) {
    this.delimiter = Buffer.from(`\r\n--${boundary}`, 'latin1')
    this.limits = { ...DEFAULT_MULTIPART_LIMITS, ...limits }
  }

  get bytes (): number {
    return this.totalBytes
  }

  get parts (): number {
    return this.partCount
  }

  get finished (): boolean {
    return this.state === 'epilogue'
  }

  /** Feeds the next bytes; returns the events they complete. Emitted data may share memory with `chunk`. */
  push (chunk: Uint8Array): MultipartEvent[] {
    if (this.failure !== undefined) throw this.failure
    try {
      this.totalBytes += chunk.byteLength
      if (this.totalBytes > this.limits.maxTotalBytes) {
        throw dashboardError(DASHBOARD_ERRORS.tooLarge, `The upload is larger than ${this.limits.maxTotalBytes} bytes.`)
      }
      if (this.state === 'epilogue') return []
      const bytes = Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength)
      this.pending = this.pending.length === 0 ? bytes : Buffer.concat([this.pending, bytes])
      const events: MultipartEvent[] = []
      while (this.step(events)) { /* until it needs more bytes */ }
      return events
    } catch (err) {
      this.failure = err as Error
      throw err
    }
  }

  /** The body has ended; throws unless the closing boundary was seen. */
  finish (): void {
    if (this.failure !== undefined) throw this.failure
    if (this.state === 'epilogue') return
    this.failure = this.state === 'preamble'
      ? dashboardError(DASHBOARD_ERRORS.malformed, 'The upload contains no boundary line.')
      : dashboardError(DASHBOARD_ERRORS.truncated, 'The upload ended before its last part was complete.')
    throw this.failure
  }

  /** One transition; false when more bytes are needed. */
  private step (events: MultipartEvent[]): boolean {
    switch (this.state) {
      case 'preamble': return this.stepPreamble()
      case 'delimiter': return this.stepDelimiter(events)
      case 'headers': return this.stepHeaders(events)
      case 'body': return this.stepBody(events)
      case 'epilogue':
        this.pending = Buffer.alloc(0)
        return false
    }
  }

  private stepPreamble (): boolean {
    const at = this.pending.indexOf(this.delimiter)
    const skipped = at < 0 ? Math.max(0, this.pending.length - (this.delimiter.length - 1)) : at
    this.preambleBytes += skipped
    if (this.preambleBytes > this.limits.maxPreambleBytes) {
      throw dashboardError(DASHBOARD_ERRORS.malformed, 'The upload does not start with its boundary.')
    }
    if (at < 0) {
      this.pending = this.pending.subarray(skipped)
      return false
    }
    this.pending = this.pending.subarray(at + this.delimiter.length)
    this.state = 'delimiter'
    return true
  }

  /** After "--boundary": either "--" (the end) or optional padding and CRLF (a part follows). */
  private stepDelimiter (events: MultipartEvent[]): boolean {
    const p = this.pending
    if (p.length < 2) return false
    if (p[0] === DASH && p[1] === DASH) {
      events.push({ type: 'end' })
      this.state = 'epilogue'
      return true
    }
    let i = 0
    while (i < p.length && (p[i] === 0x20 || p[i] === 0x09)) {
      if (++i > MAX_PADDING) throw dashboardError(DASHBOARD_ERRORS.malformed, 'A boundary line is followed by too much padding.')
    }
    if (i + 2 > p.length) return false
    if (p[i] !== CR || p[i + 1] !== LF) {
      throw dashboardError(DASHBOARD_ERRORS.malformed, 'A boundary line is followed by unexpected bytes.')
    }
    this.pending = p.subarray(i) // keep the CRLF: an empty header block is then CRLF CRLF like any other
    this.state = 'headers'
    return true
  }

  private stepHeaders (events: MultipartEvent[]): boolean {
    const end = this.pending.indexOf(HEADER_END)
    const blockLength = end < 0 ? this.pending.length - 2 : end - 2
    if (blockLength > this.limits.maxHeaderBytes) {
      throw dashboardError(DASHBOARD_ERRORS.headerTooLarge, `A part's headers are larger than ${this.limits.maxHeaderBytes} bytes.`)
    }
    if (end < 0) return false
    if (++this.partCount > this.limits.maxParts) {
      throw dashboardError(DASHBOARD_ERRORS.tooManyParts, `The upload has more than ${this.limits.maxParts} parts.`)
    }
    const headers = parsePartHeaders(end === 0 ? new Uint8Array(0) : this.pending.subarray(2, end))
    events.push({ type: 'part', headers })
    this.pending = this.pending.subarray(end + HEADER_END.length)
    this.state = 'body'
    return true
  }

  private stepBody (events: MultipartEvent[]): boolean {
    const p = this.pending
    const at = p.indexOf(this.delimiter)
    if (at >= 0) {
      if (at > 0) events.push({ type: 'data', bytes: p.subarray(0, at) })
      events.push({ type: 'part-end' })
      this.pending = p.subarray(at + this.delimiter.length)
      this.state = 'delimiter'
      return true
    }
    // Hold back only a tail that could begin a delimiter: from a CR among the last delimiter-length bytes.
    let keepFrom = p.length
    for (let i = Math.max(0, p.length - (this.delimiter.length - 1)); i < p.length; i++) {
      if (p[i] === CR) {
        keepFrom = i
        break
      }
    }
    if (keepFrom > 0) events.push({ type: 'data', bytes: p.subarray(0, keepFrom) })
    this.pending = p.subarray(keepFrom)
    return false
  }
}
