import { WireError } from '../../wire/codec.js'
import { type Blob, type BlobPart, DEFAULT_READ_AHEAD, openBlob } from './blob-access.js'
import { ChunkFetcher, type ChunkFetcherOptions, type ChunkSource } from './chunk-fetcher.js'
import { type DirectoryEntry, type EntryKind, looksLikeDirectory } from './directory-record.js'
import { DirectoryView } from './directory-view.js'
import { FsError, FsErrorCode } from './errors.js'
import { decodeFileHeader, looksLikeFileHeader } from './file-header.js'
import { MAX_PATH_SEGMENTS } from './limits.js'
import { EMPTY_LOCATION, type Location } from './location.js'
import type { Reference } from './reference.js'

export interface FsStat {
  kind: EntryKind
  /** File length in bytes, or the directory record's length. */
  size: number
  /** SHA-256 of the file's content (or of the directory record). */
  contentHash: Buffer
  /** Number of entries, for directories. */
  entries?: number
}

export interface ReadFileOptions {
  /** First byte, default 0. */
  start?: number
  /** One past the last byte (exclusive, like Buffer.subarray), default the file size. An HTTP Range `a-b` is { start: a, end: b + 1 }. */
  end?: number
  signal?: AbortSignal
  /**
   * Each Buffer yielded is valid only until the next one is asked for (or the loop stops); its
   * memory is then reused. For consumers that write each Buffer out before pulling the next:
   * see StreamOptions.transient in blob-access.ts.
   */
  transient?: boolean
}

export interface OpenReferenceOptions extends ChunkFetcherOptions {
  /** Parts fetched ahead while streaming a large file. Default DEFAULT_READ_AHEAD (blob-access.ts). */
  readAhead?: number
  signal?: AbortSignal
}

interface Node { kind: EntryKind, size: number, contentHash: Buffer, location: Location }

/**
 * Opens published content by reference. Paths are '/'-separated, relative
 * to the root ('' or '/' is the root itself); the caller has already
 * percent-decoded them. Every chunk is checked against its key (which
 * pins its id too, see chunk-fetcher.ts) before use.
 */
export async function openReference (ref: Reference, source: ChunkSource, opts: OpenReferenceOptions): Promise<TornetFs> {
  const fetcher = new ChunkFetcher(source, opts)
  const plain = await fetcher.plain(ref.id, ref.key, { signal: opts.signal })
  let root: Node
  if (looksLikeDirectory(plain)) {
    // A whole-chunk record: its content hash is the chunk key.
    root = { kind: 'directory', size: plain.length, contentHash: ref.key, location: { mode: 'slice', chunkId: ref.id, key: ref.key, offset: 0, length: plain.length } }
  } else if (looksLikeFileHeader(plain)) {
    let h
    try { h = decodeFileHeader(plain) } catch (err) {
      if (err instanceof WireError) throw new FsError(FsErrorCode.RECORD_MALFORMED, err.message, { cause: err })
      throw err
    }
    const location: Location = h.totalSize === 0 ? EMPTY_LOCATION : { mode: 'split', chunkId: ref.id, key: ref.key, offset: 0, length: h.totalSize }
    root = { kind: h.kind, size: h.totalSize, contentHash: h.contentHash, location }
  } else {
    throw new FsError(FsErrorCode.RECORD_MALFORMED, 'the referenced chunk is neither a directory nor a file header')
  }
  return new TornetFs(fetcher, root, opts.readAhead ?? DEFAULT_READ_AHEAD)
}

export class TornetFs {
  private readonly views = new Map<string, DirectoryView>()

  /** @internal use openReference */
  constructor (readonly fetcher: ChunkFetcher, private readonly root: Node, private readonly readAhead: number) {}

  async stat (path: string, opts: { signal?: AbortSignal } = {}): Promise<FsStat> {
    const node = await this.resolve(path, opts.signal)
    const st: FsStat = { kind: node.kind, size: node.size, contentHash: node.contentHash }
    if (node.kind === 'directory') st.entries = (await this.view(node, opts.signal)).count
    return st
  }

  /** Entries of a directory in name order (UTF-8 byte order), read as they are needed. */
  async * list (path: string, opts: { signal?: AbortSignal } = {}): AsyncIterable<DirectoryEntry> {
    const node = await this.resolve(path, opts.signal)
    if (node.kind !== 'directory') throw new FsError(FsErrorCode.NOT_A_DIRECTORY, `${path} is a file`)
    yield * (await this.view(node, opts.signal)).entries(opts.signal)
  }

  /** The directory at `path` as a DirectoryView (entry i, name lookup). */
  async directory (path: string, opts: { signal?: AbortSignal } = {}): Promise<DirectoryView> {
    const node = await this.resolve(path, opts.signal)
    if (node.kind !== 'directory') throw new FsError(FsErrorCode.NOT_A_DIRECTORY, `${path} is a file`)
    return await this.view(node, opts.signal)
  }

  /**
   * The bytes of a file, or of [start, end) of it, streamed chunk by chunk
   * (use Readable.from() for a Node stream). Throws FS_BAD_RANGE before
   * yielding anything when the range is outside the file.
   */
  async * readFile (path: string, opts: ReadFileOptions = {}): AsyncIterable<Buffer> {
    const node = await this.resolve(path, opts.signal)
    if (node.kind !== 'file') throw new FsError(FsErrorCode.NOT_A_FILE, `${path} is a directory`)
    const start = opts.start ?? 0
    const end = opts.end ?? node.size
    if (!Number.isSafeInteger(start) || !Number.isSafeInteger(end) || start < 0 || end < start || end > node.size) {
      throw new FsError(FsErrorCode.BAD_RANGE, `range ${start}..${end} outside the file's ${node.size} bytes`)
    }
    // Every byte yielded was checked before it left the fetcher: each part's plaintext against
    // its key, the key listed in a header that was itself checked the same way, back to the
    // reference. The header's content hash is the publisher's own summary of those parts, so
    // hashing the whole file again would only catch a publisher contradicting itself, and only
    // after every byte had been handed out; it is not done (it cost a full SHA-256 pass).
    const blob = await this.blob(node, opts.signal)
    yield * blob.stream(start, end, { signal: opts.signal, transient: opts.transient })
  }

  /**
   * The parts of a file that lie wholly within its first `end` bytes, each with the SHA-256 of
   * its bytes, read from the file's headers without fetching the parts: how a resumed download
   * checks the bytes it kept, part by part. A file stored in one piece (a small file, packed
   * with others) yields nothing: its content hash is its only check.
   */
  async * parts (path: string, end: number, opts: { signal?: AbortSignal } = {}): AsyncIterable<BlobPart> {
    const node = await this.resolve(path, opts.signal)
    if (node.kind !== 'file') throw new FsError(FsErrorCode.NOT_A_FILE, `${path} is a directory`)
    const blob = await this.blob(node, opts.signal)
    if (blob.parts !== undefined) yield * blob.parts(end, opts.signal)
  }

  /** Reads a whole file into memory (convenience for small files). */
  async readAll (path: string, opts: ReadFileOptions = {}): Promise<Buffer> {
    const parts: Buffer[] = []
    for await (const b of this.readFile(path, { ...opts, transient: false })) parts.push(b)
    return Buffer.concat(parts)
  }

  private async resolve (path: string, signal?: AbortSignal): Promise<Node> {
    const segments = path.split('/').filter(s => s !== '')
    if (segments.length > MAX_PATH_SEGMENTS) throw new FsError(FsErrorCode.BAD_PATH, 'path too deep')
    let node = this.root
    for (let i = 0; i < segments.length; i++) {
      const s = segments[i]
      if (s === '.' || s === '..' || s.includes('\0') || Buffer.byteLength(s) > 255) {
        throw new FsError(FsErrorCode.BAD_PATH, `bad path segment "${s}"`)
      }
      if (node.kind !== 'directory') throw new FsError(FsErrorCode.NOT_A_DIRECTORY, `${segments.slice(0, i).join('/')} is a file`)
      const e = await (await this.view(node, signal)).lookup(s, signal)
      if (e === undefined) throw new FsError(FsErrorCode.NOT_FOUND, `${segments.slice(0, i + 1).join('/')} not found`)
      node = e
    }
    return node
  }

  private async blob (node: Node, signal?: AbortSignal): Promise<Blob> {
    return await openBlob(this.fetcher, node.location, node.kind, node.contentHash, { signal, readAhead: this.readAhead })
  }

  private async view (node: Node, signal?: AbortSignal): Promise<DirectoryView> {
    const k = `${node.location.mode}:${node.location.chunkId.toString('hex')}:${node.location.offset}`
    let v = this.views.get(k)
    if (v === undefined) {
      v = await DirectoryView.open(await this.blob(node, signal), { signal })
      this.views.set(k, v)
      if (this.views.size > 64) this.views.delete(this.views.keys().next().value as string)
    }
    return v
  }
}
