import { WireError } from '../../wire/codec.js'
import type { ChunkFetcher } from './chunk-fetcher.js'
import { FsError, FsErrorCode } from './errors.js'
import { type BlobKind, type ChunkPointer, decodeFileHeader, type FileHeader, type PartRef } from './file-header.js'
import type { Location } from './location.js'

/** Random reads over a byte sequence; what DirectoryView needs. */
export interface RandomAccess {
  readonly size: number
  read: (offset: number, length: number, signal?: AbortSignal) => Promise<Buffer>
}

/** A blob (file content or directory record) wherever it is stored. */
export interface Blob extends RandomAccess {
  /** Bytes [start, end) as they arrive, chunk by chunk. */
  stream: (start: number, end: number, opts?: StreamOptions) => AsyncIterable<Buffer>
  /**
   * A split blob's parts that lie wholly within its first `end` bytes, in order, each with the
   * SHA-256 of its plaintext (its key, from the checked headers): what bytes held elsewhere
   * (a resumed download's .part) are checked against without fetching the parts themselves.
   * Absent for a blob stored in one piece.
   */
  parts?: (end: number, signal?: AbortSignal) => AsyncIterable<BlobPart>
}

export interface BlobPart {
  offset: number
  length: number
  /** SHA-256 of the part's bytes. */
  sha256: Buffer
}

export interface StreamOptions {
  signal?: AbortSignal
  /**
   * The consumer is done with each Buffer yielded once it asks for the next one (or stops):
   * the stream may then reuse that Buffer's memory for a later part, so streaming a large file
   * recycles a few megabyte buffers instead of leaving one per part for the garbage collector
   * (V8 lets ~64 MiB of them pile up before collecting). A consumer that keeps a Buffer past
   * the next pull (a queue, a socket write still pending) must copy it or leave this off.
   */
  transient?: boolean
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

/**
 * Parts fetched ahead of the one being read. A part's download is mostly waiting (its slices
 * cross the link as one packet each at 1,200 bytes, then a worker decrypts it), so more parts
 * in flight keep the providers and the reader's event loop busy: transfer --mib 32 at 1,200-byte
 * datagrams (load 5-7) moved 3.8 and 7.3 MB/s with 2, 10.7 and 11.3 with 4 (6 and 8 no better).
 * Each costs about 2 MiB (ciphertext and plaintext) while in flight.
 */
export const DEFAULT_READ_AHEAD = 4

export interface OpenBlobOptions {
  /** Parts fetched ahead while streaming a split blob. Default DEFAULT_READ_AHEAD. */
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
      return new SplitBlob(fetcher, first, opts.readAhead ?? DEFAULT_READ_AHEAD, { id: loc.chunkId, key: loc.key })
    }
  }
}

/** `keep: false` leaves the header's plaintext out of the fetcher's LRU (see ChunkFetcher.plain). */
export async function fetchHeader (fetcher: ChunkFetcher, id: Buffer, key: Buffer, signal?: AbortSignal, keep = true): Promise<FileHeader> {
  const plain = await fetcher.plain(id, key, { signal, keep })
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

  async * stream (start: number, end: number, opts: StreamOptions = {}): AsyncIterable<Buffer> {
    checkRange(this.size, start, end)
    if (end > start) yield await this.read(start, end - start, opts.signal)
  }
}

/** Where one header of a chain is and which parts it lists (kept for every header walked: a few dozen bytes). */
interface ChainLink {
  firstPart: number
  count: number
  /** How to fetch it again. */
  at: ChunkPointer
  next?: ChunkPointer
}

/** Decoded headers kept: the one being streamed and the next (read-ahead crosses into it). */
const RECENT_HEADERS = 2

/**
 * A blob cut into parts, listed by a chain of headers loaded as needed. A decoded header is
 * large in memory (up to ~1,800 parts, each with 16 slice hashes: about 4.5 MiB of heap), so
 * only the RECENT_HEADERS last used are kept, with a small link per header walked: streaming a
 * file of any size holds at most two, and a seek back refetches the header it needs (normally
 * from the local store). Keeping every header made a reader grow by ~2.5 MiB per GiB streamed.
 */
class SplitBlob implements Blob {
  readonly size: number
  private readonly kind: BlobKind
  private readonly partBytes: number
  private readonly chain: ChainLink[]
  private recent: FileHeader[]
  private loading: Promise<void> = Promise.resolve()

  /** Names this blob to the source (see ChunkSource's `group`). */
  private readonly group: string

  constructor (private readonly fetcher: ChunkFetcher, first: FileHeader, private readonly readAhead: number, at: ChunkPointer) {
    this.size = first.totalSize
    this.kind = first.kind
    this.partBytes = first.partBytes
    this.chain = [{ firstPart: 0, count: first.parts.length, at, next: first.next }]
    this.recent = [first]
    this.group = at.id.toString('hex')
  }

  async read (offset: number, length: number, signal?: AbortSignal): Promise<Buffer> {
    const out: Buffer[] = []
    for await (const b of this.stream(offset, offset + length, { signal })) out.push(b)
    return out.length === 1 ? out[0] : Buffer.concat(out, length)
  }

  async * stream (start: number, end: number, opts: StreamOptions = {}): AsyncIterable<Buffer> {
    checkRange(this.size, start, end)
    if (end === start) return
    const first = Math.floor(start / this.partBytes)
    const last = Math.floor((end - 1) / this.partBytes)
    // Parts the stream owns (file parts, fetched for it alone) go back to the fetcher once the
    // consumer is past them; a directory record's parts are kept in the fetcher's LRU, never.
    const own = opts.transient === true && this.kind === 'file'
    const pending: Array<Promise<Buffer>> = []
    let next = first
    const schedule = (): void => {
      while (next <= last && pending.length <= this.readAhead) {
        const p = this.part(next++, own, opts.signal)
        p.catch(() => {}) // consumer may stop early; errors surface when awaited
        pending.push(p)
      }
    }
    let held: Buffer | undefined
    try {
      for (let i = first; i <= last; i++) {
        schedule()
        const plain = await (pending.shift() as Promise<Buffer>)
        held = own ? plain : undefined
        const base = i * this.partBytes
        yield plain.subarray(Math.max(start, base) - base, Math.min(end, base + plain.length) - base)
        // The consumer asked for more: it is done with that part.
        if (held !== undefined) this.fetcher.release(held)
        held = undefined
      }
    } finally {
      if (held !== undefined) this.fetcher.release(held)
      // Parts fetched ahead for a consumer that stopped: back once they arrive.
      if (own) for (const p of pending) p.then(b => { this.fetcher.release(b) }, () => {})
    }
  }

  async * parts (end: number, signal?: AbortSignal): AsyncIterable<BlobPart> {
    const limit = Math.min(end, this.size)
    for (let i = 0, offset = 0; offset < limit; i++, offset += this.partBytes) {
      const ref = await this.partRef(i, signal)
      if (offset + ref.plainLength > limit) return
      yield { offset, length: ref.plainLength, sha256: ref.key }
    }
  }

  private async part (index: number, own: boolean, signal?: AbortSignal): Promise<Buffer> {
    const ref = await this.partRef(index, signal)
    // File parts are streamed once (keep: false); directory record parts are searched, and kept.
    const keep = this.kind !== 'file'
    const plain = await this.fetcher.plain(ref.chunk.id, ref.key, { descriptor: ref.chunk, group: this.group, signal, keep, own })
    if (plain.length !== ref.plainLength) {
      if (own) this.fetcher.release(plain)
      throw new FsError(FsErrorCode.RECORD_MALFORMED, `part ${index} has the wrong length`)
    }
    return plain
  }

  private async partRef (index: number, signal?: AbortSignal): Promise<PartRef> {
    for (;;) {
      const h = this.decoded(index)
      if (h !== undefined) return h.parts[index - h.firstPart]
      const link = this.chain.find(l => index >= l.firstPart && index < l.firstPart + l.count)
      const tail = this.chain[this.chain.length - 1]
      if (link === undefined && tail.next === undefined) throw new FsError(FsErrorCode.RECORD_MALFORMED, `part ${index} is not listed`)
      // Serialize header fetches: concurrent part requests must not fetch the same header twice.
      const walked = this.chain.length
      this.loading = this.loading.then(async () => {
        if (this.decoded(index) !== undefined) return
        if (link !== undefined) await this.reload(link, signal)
        else if (this.chain.length === walked) await this.loadNext(signal)
      })
      await this.loading.catch((err: unknown) => {
        this.loading = Promise.resolve()
        throw err
      })
    }
  }

  /** The decoded header listing part `index`, if kept. */
  private decoded (index: number): FileHeader | undefined {
    return this.recent.find(h => index >= h.firstPart && index < h.firstPart + h.parts.length)
  }

  private keep (h: FileHeader): void {
    this.recent = [h, ...this.recent.filter(r => r !== h)].slice(0, RECENT_HEADERS)
  }

  /** Fetches again a header walked before (its link was checked then; the chunk id pins its bytes). */
  /**
   * The chained headers of a file are walked once per stream and decoded here, so their
   * megabyte plaintexts stay out of the fetcher's LRU; a directory record's are searched again
   * and again, and kept. (The first header always is: every open of the file reads it.)
   */
  private get keepHeaders (): boolean { return this.kind !== 'file' }

  private async reload (link: ChainLink, signal?: AbortSignal): Promise<void> {
    const h = await fetchHeader(this.fetcher, link.at.id, link.at.key, signal, this.keepHeaders)
    if (h.firstPart !== link.firstPart || h.parts.length !== link.count) {
      throw new FsError(FsErrorCode.RECORD_MALFORMED, 'file header chain is inconsistent')
    }
    this.keep(h)
  }

  private async loadNext (signal?: AbortSignal): Promise<void> {
    const prev = this.chain[this.chain.length - 1]
    const next = prev.next
    if (next === undefined) return
    const h = await fetchHeader(this.fetcher, next.id, next.key, signal, this.keepHeaders)
    if (h.kind !== this.kind || h.totalSize !== this.size ||
        h.partBytes !== this.partBytes || h.firstPart !== prev.firstPart + prev.count) {
      throw new FsError(FsErrorCode.RECORD_MALFORMED, 'file header chain is inconsistent')
    }
    this.chain.push({ firstPart: h.firstPart, count: h.parts.length, at: next, next: h.next })
    this.keep(h)
  }
}

function checkRange (size: number, start: number, end: number): void {
  if (!Number.isSafeInteger(start) || !Number.isSafeInteger(end) || start < 0 || end < start || end > size) {
    throw new FsError(FsErrorCode.BAD_RANGE, `range ${start}..${end} outside 0..${size}`)
  }
}
