import { ChunkCipherErrorCode } from '../../crypto/chunk-cipher.js'
import { TornetError } from '../../errors.js'
import { type ChunkDescriptor, isValidChunkLength } from './chunk-format.js'
import type { ChunkCrypto } from './crypto-pool.js'
import { shortChunkId } from './download/download-errors.js'
import type { GetOptions } from './download/download-options.js'
import { DownloadSession } from './download/download-session.js'
import type { DownloaderDeps } from './download/downloader-deps.js'
import { fetchWithGivenDescriptor } from './download/given-descriptor-download.js'
import { fetchFromHintedPeers } from './download/hinted-download.js'
import { fetchWithPeerDescriptor } from './download/peer-descriptor-download.js'
import type { Fetched, Opener } from './download/whole-chunk.js'
import { ChunkError, ChunkErrorCode } from './errors.js'

/**
 * Fetching one chunk from the network:
 *   1. the local store (published or cached here) answers first;
 *   2. find providers (provider-finder.ts), leaving out banned peers; for
 *      the next part of a blob, first the peers that served the last one
 *      (provider-hints.ts);
 *   3. the descriptor: the caller's (trusted), or one asked of a provider
 *      (untrusted until the end);
 *   4. slices from several providers at once (slice-download.ts), each
 *      checked on arrival, over streams kept open between downloads
 *      (stream-pool.ts);
 *   5. SHA-256 of the whole chunk against its id (on a worker thread, see
 *      crypto-pool.ts). With a peer's descriptor this is where the truth
 *      comes out: if it holds, peers whose slices contradicted the
 *      descriptor lied and are banned; if not, the descriptor's source lied
 *      and is banned, and the download starts again with a descriptor from
 *      another provider (at most `maxAttempts`). With the caller's
 *      descriptor every slice already matched, but the slice hashes are the
 *      record author's word: a record whose slices do not add up to the id
 *      would otherwise plant wrong bytes under that id in our cache;
 *   6. cache the chunk (this node now serves it) and announce that. The
 *      bytes were hashed in step 5, so they go in through the store's
 *      verified path (`putCacheVerified`) and are not hashed again.
 *
 * Steps 2 to 5 take one of three paths (download/): the peers that served the
 * blob's last part (hinted-download.ts), providers found for the caller's
 * descriptor (given-descriptor-download.ts), or a descriptor asked of a
 * provider (peer-descriptor-download.ts).
 *
 * `downloadPlain` (a reader that holds the key) does steps 5 and the
 * decryption in one worker job (crypto-pool.ts `openChunk`), the chunk
 * assembled in a pooled buffer that goes to the worker without a copy and
 * comes back to the pool once the cache has written it.
 */
export async function downloadChunk (deps: DownloaderDeps, id: Buffer, opts: GetOptions = {}): Promise<Buffer> {
  return (await fetchChunk(deps, id, undefined, opts)).cipher
}

/**
 * The plaintext of chunk `id` under `key`: from the local store (decrypted with the key
 * check, as the store's bytes were hashed when stored), or downloaded, checked against the
 * id and decrypted in one job. Fails with CHUNK_KEY_MISMATCH when the chunk is intact but
 * does not decrypt under `key` (it is cached all the same: the bytes are the chunk's).
 */
export async function downloadPlain (deps: DownloaderDeps & { crypto: Pick<ChunkCrypto, 'decrypt'> }, id: Buffer, key: Buffer,
  opts: GetOptions = {}): Promise<Buffer> {
  const got = await fetchChunk(deps, id, key, opts)
  if (got.plain !== undefined) return got.plain
  if (got.opened) {
    throw new TornetError(ChunkCipherErrorCode.KEY_MISMATCH, `chunk ${shortChunkId(id)} does not decrypt with the key given (wrong key or a malformed record)`)
  }
  return await deps.crypto.decrypt(got.cipher, key)
}

async function fetchChunk (deps: DownloaderDeps, id: Buffer, key: Buffer | undefined, opts: GetOptions): Promise<Fetched> {
  if (!Buffer.isBuffer(id) || id.length !== 32) throw new ChunkError(ChunkErrorCode.INVALID_ARGUMENT, 'a chunk id is 32 bytes')
  const given = opts.descriptor
  if (given !== undefined && (!given.id.equals(id) || !isValidChunkLength(given.length))) {
    throw new ChunkError(ChunkErrorCode.BAD_DESCRIPTOR, `the descriptor given is not for chunk ${shortChunkId(id)}`)
  }
  if (deps.lifetime.aborted) throw new ChunkError(ChunkErrorCode.STOPPED, 'the chunk service is stopped')
  const local = deps.store.get(id)
  if (local !== undefined) {
    deps.counters.localHits++
    return { cipher: local, opened: false }
  }
  const linked = linkSignals(deps.lifetime, opts.signal)
  const signal = linked.signal
  // One job for the id check and the decryption, when the caller has the key and the pool can.
  const { openChunk, scratch, release } = deps.crypto
  const opener = key !== undefined && openChunk !== undefined ? { key, open: openChunk.bind(deps.crypto), scratch: scratch?.bind(deps.crypto), release: release?.bind(deps.crypto) } : undefined
  try {
    const got = await fetchRemote(deps, id, given, signal, opts.onProgress, given === undefined ? undefined : opts.group, opener)
    const bytes = got.cipher
    deps.counters.downloads++
    deps.counters.bytesDownloaded += bytes.length
    // The caller of downloadPlain never sees the ciphertext: its pooled buffer goes back once cached.
    const done = opener === undefined ? () => {} : () => { opener.release?.(bytes) }
    if (deps.cacheDownloads) {
      // Not awaited: the caller has its chunk now, the disk commit follows (the store serves
      // a pending chunk from memory meanwhile). A full or failing cache costs this node the
      // chance to serve the chunk, not the caller its bytes.
      const put = deps.store.putCacheVerified?.(id, bytes) ?? deps.store.putCache(id, bytes)
      put.then(
        (kept) => { done(); if (kept) deps.onCached(id); else deps.counters.cacheFailures++ },
        () => { done(); deps.counters.cacheFailures++ })
    } else {
      done()
    }
    return got
  } catch (err) {
    deps.counters.downloadFailures++
    if (deps.lifetime.aborted && opts.signal?.aborted !== true) {
      throw new ChunkError(ChunkErrorCode.STOPPED, 'the chunk service stopped during the download', { cause: err })
    }
    throw err
  } finally {
    linked.dispose()
  }
}

/**
 * One signal that fires when either does. (AbortSignal.any would do, but ties
 * every call's signal to the service's long-lived one until collected.)
 */
function linkSignals (a: AbortSignal, b: AbortSignal | undefined): { signal: AbortSignal, dispose: () => void } {
  if (b === undefined) return { signal: a, dispose: () => {} }
  const c = new AbortController()
  const onA = (): void => { c.abort(a.reason) }
  const onB = (): void => { c.abort(b.reason) }
  if (a.aborted) onA()
  else if (b.aborted) onB()
  a.addEventListener('abort', onA, { once: true })
  b.addEventListener('abort', onB, { once: true })
  return {
    signal: c.signal,
    dispose: () => {
      a.removeEventListener('abort', onA)
      b.removeEventListener('abort', onB)
    }
  }
}

/** The chunk from other nodes, by whichever path the caller's knowledge allows. */
async function fetchRemote (
  deps: DownloaderDeps, id: Buffer, given: ChunkDescriptor | undefined, signal: AbortSignal,
  onProgress: GetOptions['onProgress'], group: string | undefined, opener: Opener | undefined
): Promise<Fetched> {
  const session = new DownloadSession(deps, id, signal, onProgress, opener)
  if (given === undefined) return await fetchWithPeerDescriptor(session)
  if (group !== undefined) {
    const hinted = await fetchFromHintedPeers(session, given, group)
    if (hinted !== undefined) return hinted
  }
  return await fetchWithGivenDescriptor(session, given, group)
}
