/**
 * Form parts as they arrive: an async iterable of fields and files over a
 * byte stream (the request), pulled only as fast as the consumer reads, so a
 * large upload never sits in memory.
 *
 * Parts come strictly in order. A part's body must be read before the next
 * part is taken; whatever of it is left unread is skipped. Reading a body
 * after moving on is a programming error (DASHBOARD_STREAM_MISUSE).
 *
 * The reader calls next() on the source's iterator and never return(), so a
 * request it stops reading stays open: the caller can go on draining the same
 * iterator before it answers (see drain.ts).
 */
import { DASHBOARD_ERRORS, dashboardError } from './errors.js'
import { formDispositionOf } from './multipart-headers.js'
import { MultipartParser, type MultipartEvent, type MultipartLimits } from './multipart-parser.js'

export interface FormPart {
  readonly name: string
  /** Present for file inputs ('' when the input had no file chosen). */
  readonly filename?: string
  readonly contentType?: string
  readonly headers: ReadonlyMap<string, string>
  /** The part's bytes, streamed; callable once. */
  body (): AsyncIterable<Uint8Array>
  /** The whole body as UTF-8 text; DASHBOARD_FIELD_TOO_LARGE beyond `maxBytes`. */
  text (maxBytes: number): Promise<string>
}

export class FormReader {
  private readonly parser: MultipartParser
  private readonly source: AsyncIterator<Uint8Array>
  private queue: MultipartEvent[] = []
  private head = 0
  private sourceDone = false
  private pulling = false
  private failed: unknown

  constructor (source: AsyncIterator<Uint8Array>, boundary: string, limits: Partial<MultipartLimits> = {}) {
    this.source = source
    this.parser = new MultipartParser(boundary, limits)
  }

  /** The first failure the reader met (from the parser or the source), if any. */
  get failure (): unknown {
    return this.failed
  }

  /** True once the source has ended (the whole body was read). */
  get ended (): boolean {
    return this.sourceDone
  }

  /** Bytes read from the source so far. */
  get bytes (): number {
    return this.parser.bytes
  }

  /** Every part, in order; ends once the body has ended after its closing boundary. */
  async * parts (): AsyncGenerator<FormPart, void, undefined> {
    let current: PartCursor | undefined
    try {
      while (true) {
        if (current !== undefined) {
          await current.skipRest()
          current.closed = true
        }
        const event = await this.nextEvent()
        if (event === undefined) return
        if (event.type === 'end') continue // read on to the end of the source: the epilogue is bounded too
        if (event.type !== 'part') throw dashboardError(DASHBOARD_ERRORS.misuse, 'Part data arrived outside a part.')
        current = new PartCursor(this, event.headers)
        yield current.part
      }
    } catch (err) {
      this.failed ??= err
      throw err
    } finally {
      if (current !== undefined) current.closed = true
    }
  }

  /** @internal the next parser event, pulling more bytes as needed; undefined at the end. */
  async nextEvent (): Promise<MultipartEvent | undefined> {
    if (this.failed !== undefined) throw this.failed
    try {
      while (this.head >= this.queue.length) {
        if (this.sourceDone) return undefined
        if (this.pulling) throw dashboardError(DASHBOARD_ERRORS.misuse, 'Two reads of one upload at the same time.')
        this.pulling = true
        let result: IteratorResult<Uint8Array>
        try {
          result = await this.source.next()
        } finally {
          this.pulling = false
        }
        if (result.done === true) {
          this.sourceDone = true
          this.parser.finish()
          continue
        }
        this.queue = this.parser.push(result.value)
        this.head = 0
      }
      return this.queue[this.head++]
    } catch (err) {
      this.failed ??= err
      throw err
    }
  }
}

class PartCursor {
  readonly part: FormPart
  closed = false
  private ended = false
  private opened = false

  constructor (private readonly reader: FormReader, headers: Map<string, string>) {
    const disposition = formDispositionOf(headers)
    const contentType = headers.get('content-type')
    const cursor = this
    this.part = {
      name: disposition.name,
      filename: disposition.filename,
      contentType,
      headers,
      body: () => cursor.body(),
      text: async (maxBytes: number) => {
        const chunks: Buffer[] = []
        let length = 0
        for await (const chunk of cursor.body()) {
          length += chunk.byteLength
          if (length > maxBytes) throw dashboardError(DASHBOARD_ERRORS.fieldTooLarge, `The form field “${disposition.name}” is too long.`)
          chunks.push(Buffer.from(chunk))
        }
        return Buffer.concat(chunks).toString('utf8')
      }
    }
  }

  body (): AsyncIterable<Uint8Array> {
    if (this.opened) throw dashboardError(DASHBOARD_ERRORS.misuse, `The part “${this.part.name}” was opened twice.`)
    this.opened = true
    return this.stream()
  }

  private async * stream (): AsyncGenerator<Uint8Array, void, undefined> {
    // Checked before `ended`: a part skipped by moving on has ended too, but was never read.
    if (this.closed) throw dashboardError(DASHBOARD_ERRORS.misuse, `The part “${this.part.name}” was read after the next part was taken.`)
    while (!this.ended) {
      if (this.closed) throw dashboardError(DASHBOARD_ERRORS.misuse, `The part “${this.part.name}” was read after the next part was taken.`)
      const event = await this.reader.nextEvent()
      if (event === undefined || event.type === 'part' || event.type === 'end') {
        throw dashboardError(DASHBOARD_ERRORS.misuse, 'A part ended without its boundary.') // the parser prevents this
      }
      if (event.type === 'part-end') {
        this.ended = true
        return
      }
      yield event.bytes
    }
  }

  async skipRest (): Promise<void> {
    while (!this.ended) {
      const event = await this.reader.nextEvent()
      if (event?.type === 'part-end') this.ended = true
      else if (event === undefined || event.type !== 'data') throw dashboardError(DASHBOARD_ERRORS.misuse, 'A part ended without its boundary.')
    }
  }
}
