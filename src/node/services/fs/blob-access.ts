import { WireError } from '../../wire/codec.js'
import type { ChunkFetcher } from './chunk-fetcher.js'
import { FsError, FsErrorCode } from './errors.js'
import { type BlobKind, decodeFileHeader, type FileHeader, type PartRef } from './file-header.js'
import type { Location } from './location.js'

/** Random reads over a byte sequence; what DirectoryView needs. */
export interface RandomAccess {
  readonly size: number
  read: (offset: number, length: number, signal?: AbortSignal) => Promise<Buffer>
}

/** A blob (file content or directory record) wherever it is stored. */
export interface Blob extends RandomAccess {
  /** Bytes [start, end) as they arrive, chunk by chunk. */
  stream: (start: number, end: number, opts?: { signal?: AbortSignal }) => AsyncIterable<Buffer>
}

export function bufferAccess (buf: Buffer): RandomAccess {
  return {
    size: buf.length,
    read: async (offset, length) => {
      checkRange(buf.length, offset, offset + length)
      return buf.subarray(offset, offset + length)
    }
  }
}

export interface OpenBlobOptions {
  /** Parts fetched ahead while streaming a split blob. Default 2. */
  readAhead?: number
  signal?: AbortSignal
}

/**
 * Opens the blob at `loc`. `kind` is what the referring record says the blob
 * is; for split blobs the header must agree, as must `contentHash` if given.
 */
export async function openBlob (fetcher: ChunkFetcher, loc: Location, kind: BlobKind, contentHash?: Buffer, opts: OpenBlobOptions = {}): Promise<Blob> {
  switch (loc.mode) {
    case 'empty':
      return { size: 0, read: async (o, l) => { checkRange(0, o, o + l); return Buffer.alloc(0) }, stream: async function * () {} }
    case 'slice':
      return new SliceBlob(fetcher, loc)
    case 'split': {
      const first = await fetchHeader(fetcher, loc.chunkId, loc.key, opts.signal)
      if (first.kind !== kind || first.totalSize !== loc.length || first.firstPart !== 0 ||
          (contentHash !== undefined && !first.contentHash.equals(contentHash))) {
        throw new FsError(FsErrorCode.RECORD_MALFORMED, 'file header does not match the entry that refers to it')
      }
      return new SplitBlob(fetcher, first, opts.readAhead ?? 2, loc.chunkId)
    }
  }
}

export async function fetchHeader (fetcher: ChunkFetcher, id: Buffer, key: Buffer, signal?: AbortSignal): Promise<FileHeader> {
  const plain = await fetcher.plain(id, key, { signal })
  try {
    return decodeFileHeader(plain)
  } catch (err) {
    if (err instanceof WireError) throw new FsError(FsErrorCode.RECORD_MALFORMED, err.message, { cause: err })
    throw err
  }
}

class SliceBlob implements Blob {
  readonly size: number
  constructor (private readonly fetcher: ChunkFetcher, private readonly loc: Location) { this.size = loc.length }

  async read (offset: number, length: number, signal?: AbortSignal): Promise<Buffer> {
    checkRange(this.size, offset, offset + length)
    const plain = await this.fetcher.plain(this.loc.chunkId, this.loc.key, { signal })
    if (plain.length < this.loc.offset + this.loc.length) {
      throw new FsError(FsErrorCode.RECORD_MALFORMED, 'entry points past the end of its chunk')
    }
    return plain.subarray(this.loc.offset + offset, this.loc.offset + offset + length)
  }

  async * stream (start: number, end: number, opts: { signal?: AbortSignal } = {}): AsyncIterable<Buffer> {
    checkRange(this.size, start, end)
    if (end > start) yield await this.read(start, end - start, opts.signal)
  }
}

/** A blob cut into parts, listed by a chain of headers loaded as needed. */
class SplitBlob implements Blob {
  readonly size: number
  private readonly headers: FileHeader[]
  private loading: Promise<void> = Promise.resolve()

  /** Names this blob to the source (see ChunkSource's `group`). */
  private readonly group: string

  constructor (private readonly fetcher: ChunkFetcher, first: FileHeader, private readonly readAhead: number, headerId: Buffer) {
    this.size = first.totalSize
    this.headers = [first]
    this.group = headerId.toString('hex')
  }

  private get partBytes (): number { return this.headers[0].partBytes }

  async read (offset: number, length: number, signal?: AbortSignal): Promise<Buffer> {
    const out: Buffer[] = []
    for await (const b of this.stream(offset, offset + length, { signal })) out.push(b)
    return out.length === 1 ? out[0] : Buffer.concat(out, length)
  }

  async * stream (start: number, end: number, opts: { signal?: AbortSignal } = {}): AsyncIterable<Buffer> {
    checkRange(this.size, start, end)
    if (end === start) return
    const first = Math.floor(start / this.partBytes)
    const last = Math.floor((end - 1) / this.partBytes)
    const pending: Array<Promise<Buffer>> = []
    let next = first
    const schedule = (): void => {
      while (next <= last && pending.length <= this.readAhead) {
        const p = this.part(next++, opts.signal)
        p.catch(() => {}) // consumer may stop early; errors surface when awaited
        pending.push(p)
      }
    }
    for (let i = first; i <= last; i++) {
      schedule()
      const plain = await (pending.shift() as Promise<Buffer>)
      const base = i * this.partBytes
      yield plain.subarray(Math.max(start, base) - base, Math.min(end, base + plain.length) - base)
    }
  }

  private async part (index: number, signal?: AbortSignal): Promise<Buffer> {
    const ref = await this.partRef(index, signal)
    // File parts are streamed once (keep: false); directory record parts are searched, and kept.
    const keep = this.headers[0].kind !== 'file'
    const plain = await this.fetcher.plain(ref.chunk.id, ref.key, { descriptor: ref.chunk, group: this.group, signal, keep })
    if (plain.length !== ref.plainLength) throw new FsError(FsErrorCode.RECORD_MALFORMED, `part ${index} has the wrong length`)
    return plain
  }

  private async partRef (index: number, signal?: AbortSignal): Promise<PartRef> {
    for (;;) {
      const h = this.headers.find(h => index >= h.firstPart && index < h.firstPart + h.parts.length)
      if (h !== undefined) return h.parts[index - h.firstPart]
      const tail = this.headers[this.headers.length - 1]
      if (tail.next === undefined) throw new FsError(FsErrorCode.RECORD_MALFORMED, `part ${index} is not listed`)
      // Serialize chain walking: concurrent part requests must not fetch the same header twice.
      const before = this.headers.length
      this.loading = this.loading.then(async () => { if (this.headers.length === before) await this.loadNext(signal) })
      await this.loading.catch((err: unknown) => {
        this.loading = Promise.resolve()
        throw err
      })
    }
  }

  private async loadNext (signal?: AbortSignal): Promise<void> {
    const prev = this.headers[this.headers.length - 1]
    const next = prev.next
    if (next === undefined) return
    const h = await fetchHeader(this.fetcher, next.id, next.key, signal)
    if (h.kind !== prev.kind || h.totalSize !== prev.totalSize ||
        h.partBytes !== prev.partBytes || h.firstPart !== prev.firstPart + prev.parts.length) {
      throw new FsError(FsErrorCode.RECORD_MALFORMED, 'file header chain is inconsistent')
    }
    this.headers.push(h)
  }
}

function checkRange (size: number, start: number, end: number): void {
  if (!Number.isSafeInteger(start) || !Number.isSafeInteger(end) || start < 0 || end < start || end > size) {
    throw new FsError(FsErrorCode.BAD_RANGE, `range ${start}..${end} outside 0..${size}`)
  }
}
