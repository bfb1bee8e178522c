import type { ChunkDescriptor } from '../chunk-format.js'
import type { ChunkCrypto } from '../crypto-pool.js'
import type { DownloaderDeps } from './downloader-deps.js'

/** A chunk fetched whole and checked against its id. */
export interface Fetched {
  cipher: Buffer
  /** Set when the id check and the decryption ran as one job and the bytes decrypted. */
  plain?: Buffer
  /** The id check and decryption ran as one job (so no plain means a key that does not fit). */
  opened: boolean
}

/** openChunk with the key it is for, and the pool's buffers for assembling chunks. */
export interface Opener {
  key: Buffer
  open: ChunkCrypto['openChunk']
  scratch?: ChunkCrypto['scratch']
  release?: ChunkCrypto['release']
}

/**
 * The chunk when `bytes` is the whole described chunk (its length, and SHA-256 against its
 * id), else undefined. With an opener the same worker job also decrypts, and the bytes come
 * back in a new view (the pooled buffer travelled to the worker and back).
 */
export async function checkWhole (crypto: DownloaderDeps['crypto'], d: ChunkDescriptor, bytes: Buffer, opener: Opener | undefined): Promise<Fetched | undefined> {
  if (bytes.length !== d.length) return undefined
  if (opener === undefined) return (await crypto.sha256(bytes)).equals(d.id) ? { cipher: bytes, opened: false } : undefined
  const r = await opener.open(bytes, d.id, opener.key)
  if (r.ok) return { cipher: r.cipher, plain: r.plain, opened: true }
  if (r.reason === 'bad-key') return { cipher: r.cipher, opened: true }
  opener.release?.(r.cipher)
  return undefined
}
