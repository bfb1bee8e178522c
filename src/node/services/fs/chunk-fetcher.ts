import { decryptChunk, type BlowfishImpl } from '../../crypto/chunk-cipher.js'
import { isTornetError } from '../../errors.js'
import { type ChunkDescriptor, chunkIdOf } from '../chunks/chunk-format.js'
import { FsError, FsErrorCode } from './errors.js'

/**
 * Where a reader gets ciphertext from: the chunk service, a local store, a
 * test map. `descriptor` is passed when the caller knows the chunk's slice
 * hashes (parts of split blobs), so a downloader can fetch slices from
 * several peers and verify each as it arrives.
 */
export interface ChunkSource {
  get: (id: Buffer, opts?: { descriptor?: ChunkDescriptor, signal?: AbortSignal }) => Promise<Buffer>
}

export interface ChunkFetcherOptions {
  /** Decrypted chunks kept in memory (each at most 1 MiB). Default 8. */
  cacheChunks?: number
  impl?: BlowfishImpl
}

/**
 * Fetches a chunk, checks SHA-256(ciphertext) against the id asked for
 * (never trusting the source), decrypts it and checks the key. Keeps a small
 * LRU of plaintexts (packs and directory records are read many times) and
 * shares in-flight fetches of the same chunk.
 */
export class ChunkFetcher {
  private readonly cache = new Map<string, Buffer>()
  private readonly inflight = new Map<string, Promise<Buffer>>()
  private readonly capacity: number
  /** Ciphertext bytes fetched from the source (tests count these). */
  fetchedBytes = 0
  fetchedChunks = 0

  constructor (private readonly source: ChunkSource, private readonly opts: ChunkFetcherOptions = {}) {
    this.capacity = Math.max(0, opts.cacheChunks ?? 8)
  }

  async plain (id: Buffer, key: Buffer, opts: { descriptor?: ChunkDescriptor, signal?: AbortSignal } = {}): Promise<Buffer> {
    const k = id.toString('hex') + key.toString('hex')
    const hit = this.cache.get(k)
    if (hit !== undefined) {
      this.cache.delete(k)
      this.cache.set(k, hit)
      return hit
    }
    let p = this.inflight.get(k)
    if (p === undefined) {
      p = this.load(id, key, opts).finally(() => this.inflight.delete(k))
      this.inflight.set(k, p)
    }
    return await p
  }

  private async load (id: Buffer, key: Buffer, opts: { descriptor?: ChunkDescriptor, signal?: AbortSignal }): Promise<Buffer> {
    opts.signal?.throwIfAborted()
    const cipher = await this.source.get(id, opts)
    this.fetchedBytes += cipher.length
    this.fetchedChunks++
    if (!chunkIdOf(cipher).equals(id)) {
      throw new FsError(FsErrorCode.CHUNK_MISMATCH, `chunk ${id.toString('hex').slice(0, 16)}… does not hash to its id`)
    }
    let plain: Buffer
    try {
      plain = decryptChunk(cipher, key, { impl: this.opts.impl })
    } catch (err) {
      if (!isTornetError(err)) throw err
      throw new FsError(FsErrorCode.CHUNK_MISMATCH, `chunk ${id.toString('hex').slice(0, 16)}… does not decrypt with its key`, { cause: err })
    }
    if (this.capacity > 0) {
      this.cache.set(id.toString('hex') + key.toString('hex'), plain)
      while (this.cache.size > this.capacity) this.cache.delete(this.cache.keys().next().value as string)
    }
    return plain
  }
}
