import { ChunkCipherErrorCode, cipherLengthOf, decryptChunk, type BlowfishImpl } from '../../crypto/chunk-cipher.js'
import { isTornetError } from '../../errors.js'
import type { ChunkDescriptor } from '../chunks/chunk-format.js'
import type { ChunkCrypto } from '../chunks/crypto-pool.js'
import { FsError, FsErrorCode } from './errors.js'

/**
 * Where a reader gets ciphertext from: the chunk service, a local store, a
 * test map. `descriptor` is passed when the caller knows the chunk's slice
 * hashes (parts of split blobs), so a downloader can fetch slices from
 * several peers and verify each as it arrives. `group` names the blob a
 * part belongs to: parts of one blob are usually served by the same peers,
 * which a source may ask first (a hint, never trusted for content).
 */
export interface ChunkGetOptions {
  descriptor?: ChunkDescriptor
  group?: string
  signal?: AbortSignal
}

export interface ChunkSource {
  get: (id: Buffer, opts?: ChunkGetOptions) => Promise<Buffer>
  /**
   * Optional: the plaintext of chunk `id` under `key`, its ciphertext checked against the id
   * by the source (so the key check is not needed, see DecryptOptions.checkKey); fails with
   * CHUNK_KEY_MISMATCH (a TornetError) when the bytes do not decrypt under the key. The chunk
   * service has it: there the id check and the decryption are one worker job.
   */
  open?: (id: Buffer, key: Buffer, opts?: ChunkGetOptions) => Promise<Buffer>
  /**
   * Optional, with `open`: takes back a plaintext `open` returned, once its reader is done with
   * it (the whole Buffer); the source may reuse its memory for the next chunk.
   */
  release?: (plain: Buffer) => void
}

export interface ChunkFetcherOptions {
  /** Decrypted chunks kept in memory (each at most 1 MiB). Default 8. */
  cacheChunks?: number
  /** Force a Blowfish implementation (decrypts on this thread). */
  impl?: BlowfishImpl
  /** Where decryption runs: the node's worker pool (crypto-pool.ts), or a test's. */
  crypto: FetcherCrypto
}

/** The crypto a fetcher uses: decryption, and taking back the plaintexts it made. */
export type FetcherCrypto = Pick<ChunkCrypto, 'decrypt'> & Partial<Pick<ChunkCrypto, 'release'>>

export interface PlainOptions extends ChunkGetOptions {
  /** false: leave the plaintext out of the LRU (see ChunkFetcher.plain). */
  keep?: boolean
  /**
   * With keep: false, the caller gets a plaintext no one else holds (not shared with a
   * concurrent fetch of the same chunk) and may give it back with `release()`.
   */
  own?: boolean
}

/** What a source's `open` throws when the chunk does not decrypt under its key. */
const CIPHER_FAILURES = [ChunkCipherErrorCode.KEY_MISMATCH, ChunkCipherErrorCode.MALFORMED, ChunkCipherErrorCode.BAD_KEY] as const

/**
 * Fetches a chunk, decrypts it and checks the key, never trusting the
 * source. Keeps a small LRU of plaintexts (packs and directory records are
 * read many times) and shares in-flight fetches of the same chunk.
 *
 * Why the key check alone suffices (no SHA-256 of the ciphertext here): the
 * key is SHA-256 of the plaintext, and decryption succeeds only when the
 * PKCS#7 padding is intact and SHA-256(plain) equals the key. Blowfish-CBC
 * under a fixed key and IV is a bijection on block-aligned bytes, and the
 * padding is fixed by the plaintext's length, so exactly one ciphertext
 * passes: E(key, plain ‖ pad), whose SHA-256 is the chunk id the record
 * names. Bytes that are corrupt, truncated or another chunk's fail the check
 * (CHUNK_MISMATCH) before anything is returned. The id check proper belongs
 * to whoever stores or serves the bytes (the chunk downloader, the store),
 * since there the ciphertext itself is what must be right. A source with
 * `open` (the chunk service) does that id check and the decryption in one
 * job and skips the key check instead: either hash pins the plaintext.
 */
export class ChunkFetcher {
  private readonly cache = new Map<string, Buffer>()
  private readonly inflight = new Map<string, Promise<Buffer>>()
  private readonly capacity: number
  /** Ciphertext bytes fetched from the source (tests count these). */
  fetchedBytes = 0
  fetchedChunks = 0

  private readonly crypto: FetcherCrypto

  constructor (private readonly source: ChunkSource, private readonly opts: ChunkFetcherOptions) {
    this.capacity = Math.max(0, opts.cacheChunks ?? 8)
    this.crypto = opts.crypto
  }

  /**
   * The plaintext of chunk `id`. `keep: false` (parts of a file being streamed, read once)
   * leaves it out of the LRU: megabyte parts would push out the records that are read again
   * and again, and hold memory for every open reference (the gateway keeps dozens open).
   * `own: true` as well: see PlainOptions and release().
   */
  async plain (id: Buffer, key: Buffer, opts: PlainOptions = {}): Promise<Buffer> {
    const k = id.toString('hex') + key.toString('hex')
    if (opts.keep === false && opts.own === true) return await this.load(id, key, opts)
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

  /**
   * Gives back a plaintext that `plain(…, { keep: false, own: true })` returned (the whole
   * Buffer) once nothing will read it again: its memory goes to the next chunk decrypted.
   * It came from the source's `open` or from this fetcher's crypto: both are told, and each
   * keeps only a buffer of its own (a pool given one twice keeps it once).
   */
  release (plain: Buffer): void {
    this.source.release?.(plain)
    this.crypto.release?.(plain)
  }

  private async load (id: Buffer, key: Buffer, opts: PlainOptions): Promise<Buffer> {
    opts.signal?.throwIfAborted()
    const get = { descriptor: opts.descriptor, group: opts.group, signal: opts.signal }
    const mismatch = (err: unknown): FsError =>
      new FsError(FsErrorCode.CHUNK_MISMATCH, `chunk ${id.toString('hex').slice(0, 16)}… does not decrypt with its key`, { cause: err })
    let plain: Buffer
    if (this.source.open !== undefined && this.opts.impl === undefined) {
      try {
        plain = await this.source.open(id, key, get)
      } catch (err) {
        if (isTornetError(err) && (CIPHER_FAILURES as readonly string[]).includes(err.code)) throw mismatch(err)
        throw err
      }
      this.fetchedBytes += cipherLengthOf(plain.length)
      this.fetchedChunks++
    } else {
      const cipher = await this.source.get(id, get)
      this.fetchedBytes += cipher.length
      this.fetchedChunks++
      try {
        plain = this.opts.impl !== undefined ? decryptChunk(cipher, key, { impl: this.opts.impl }) : await this.crypto.decrypt(cipher, key)
      } catch (err) {
        if (!isTornetError(err)) throw err
        throw mismatch(err)
      }
    }
    if (this.capacity > 0 && opts.keep !== false) {
      this.cache.set(id.toString('hex') + key.toString('hex'), plain)
      while (this.cache.size > this.capacity) this.cache.delete(this.cache.keys().next().value as string)
    }
    return plain
  }
}
