import { TornetError, isTornetError } from '../../errors.js'
import type { ContentIndex } from '../../store/content-index.js'
import type { ChunkSink } from './chunk-writer.js'
import type { ChunkSource, FetcherCrypto } from './chunk-fetcher.js'
import { FsErrorCode } from './errors.js'
import { decodeLocation, encodeLocation, type Location } from './location.js'
import type { LocationIndex } from './location-index.js'
import { publish, type PublishOptions } from './publish.js'
import type { PublishEntry } from './publish-entry.js'
import { openReference, type TornetFs } from './reader.js'
import { formatReference, parseReference, type Reference } from './reference.js'

/**
 * The node's view of published content: publishes trees into the store
 * (remembering content hash → location in LMDB so republishing reuses every
 * unchanged chunk), and opens references for the gateway and the CLI with
 * errors translated into the content codes the gateway maps to HTTP
 * (CONTENT_NOT_FOUND 404, CONTENT_UNREACHABLE 502, CONTENT_TIMEOUT 504,
 * CONTENT_CORRUPT 502).
 */
export const ContentErrorCode = {
  notFound: 'CONTENT_NOT_FOUND',
  unreachable: 'CONTENT_UNREACHABLE',
  timeout: 'CONTENT_TIMEOUT',
  corrupt: 'CONTENT_CORRUPT'
} as const

export interface PublishedContent {
  reference: Reference
  /** The reference as DNS labels (without .tor-net). */
  host: string
  url: string
  /** Every chunk id written in this run (new or already stored). */
  chunkIds: Buffer[]
}

export class StoreLocationIndex implements LocationIndex {
  constructor (private readonly content: ContentIndex) {}
  getLocation (hash: Buffer): Location | undefined {
    const b = this.content.getLocation(hash)
    return b === undefined ? undefined : decodeLocation(b)
  }

  async setLocation (hash: Buffer, loc: Location): Promise<void> {
    await this.content.setLocation(hash, encodeLocation(loc))
  }
}

export class ContentLibrary {
  private readonly open = new Map<string, Promise<TornetFs>>()

  /** `crypto`: where readers decrypt (the node's worker pool), when the source does not open chunks itself. */
  constructor (private readonly opts: { source: ChunkSource, crypto: FetcherCrypto, sink: ChunkSink, index: LocationIndex, maxOpen?: number }) {}

  async publish (source: string | AsyncIterable<PublishEntry> | Iterable<PublishEntry>, opts: Omit<PublishOptions, 'limits'> = {}): Promise<PublishedContent> {
    const chunkIds: Buffer[] = []
    const sink: ChunkSink = { put: async (id, cipher) => { chunkIds.push(id); await this.opts.sink.put(id, cipher) } }
    const reference = await publish(source, sink, this.opts.index, opts)
    const host = formatReference(reference)
    return { reference, host, url: `http://${host}.tor-net/`, chunkIds }
  }

  /** Opens a reference (base32 labels, with or without .tor-net); recent ones stay open. */
  async fs (reference: string, signal?: AbortSignal): Promise<TornetFs> {
    const key = reference.toLowerCase()
    let p = this.open.get(key)
    if (p === undefined) {
      const ref = parseReference(reference)
      p = openReference(ref, this.opts.source, { crypto: this.opts.crypto, signal })
      this.open.set(key, p)
      p.catch(() => this.open.delete(key))
      while (this.open.size > (this.opts.maxOpen ?? 32)) this.open.delete(this.open.keys().next().value as string)
    } else {
      this.open.delete(key)
      this.open.set(key, p)
    }
    return await translate(p)
  }

  // ---- the gateway's SiteContent shape ----

  async stat (reference: string, path: string, signal?: AbortSignal): Promise<{ kind: 'file', size: number, etag: string } | { kind: 'directory', etag: string }> {
    const fs = await this.fs(reference, signal)
    const s = await translate(fs.stat(path, { signal }))
    // The bare hash: the gateway quotes it into an entity tag (quotes here came out as "_<hex>_").
    const etag = s.contentHash.toString('hex')
    return s.kind === 'file' ? { kind: 'file', size: s.size, etag } : { kind: 'directory', etag }
  }

  async * list (reference: string, path: string, signal?: AbortSignal): AsyncIterable<{ name: string, kind: 'file' | 'directory', size: number }> {
    const fs = await this.fs(reference, signal)
    try {
      for await (const e of fs.list(path, { signal })) yield { name: e.name, kind: e.kind, size: e.size }
    } catch (err) { throw translateError(err) }
  }

  /**
   * `range` is inclusive (HTTP's a-b), as the gateway passes it. `transient`: each Buffer
   * yielded may be reused once the next is asked for (ReadFileOptions.transient).
   */
  async * read (reference: string, path: string, range: { start: number, end: number } | undefined, signal?: AbortSignal,
    opts: { transient?: boolean } = {}): AsyncIterable<Uint8Array> {
    const fs = await this.fs(reference, signal)
    const transient = opts.transient === true
    try {
      yield * fs.readFile(path, range === undefined ? { signal, transient } : { start: range.start, end: range.end + 1, signal, transient })
    } catch (err) { throw translateError(err) }
  }
}

async function translate<T> (p: Promise<T>): Promise<T> {
  try { return await p } catch (err) { throw translateError(err) }
}

export function translateError (err: unknown): Error {
  if (!isTornetError(err)) {
    if ((err as Error)?.name === 'AbortError' || (err as Error)?.name === 'TimeoutError') {
      return new TornetError(ContentErrorCode.timeout, 'the content did not arrive in time', { cause: err })
    }
    return err as Error
  }
  if ((Object.values(ContentErrorCode) as string[]).includes(err.code)) return err
  switch (err.code) {
    case FsErrorCode.NOT_FOUND:
    case FsErrorCode.NOT_A_DIRECTORY:
    case FsErrorCode.NOT_A_FILE:
    case FsErrorCode.BAD_PATH:
    case FsErrorCode.REF_MALFORMED:
    case FsErrorCode.REF_VERSION:
    case FsErrorCode.REF_CHECKSUM:
      return new TornetError(ContentErrorCode.notFound, err.message, { cause: err })
    case FsErrorCode.CHUNK_MISMATCH:
    case FsErrorCode.RECORD_MALFORMED:
      return new TornetError(ContentErrorCode.corrupt, err.message, { cause: err })
    case FsErrorCode.BAD_RANGE:
      return err
    default:
      if (/TIMEOUT/.test(err.code)) return new TornetError(ContentErrorCode.timeout, err.message, { cause: err })
      return new TornetError(ContentErrorCode.unreachable, err.message, { cause: err })
  }
}
