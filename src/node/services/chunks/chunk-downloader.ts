import type { Contact } from '../../routing/contact.js'
import { tryDecode } from '../../wire/codec.js'
import type { ServiceNetwork } from '../service-network.js'
import type { BanList } from './ban-list.js'
import { type ChunkDescriptor, isValidChunkLength, sliceBounds } from './chunk-format.js'
import { ChunkCipherErrorCode } from '../../crypto/chunk-cipher.js'
import { TornetError } from '../../errors.js'
import type { ChunkCrypto } from './crypto-pool.js'
import { ChunkError, ChunkErrorCode } from './errors.js'
import { CHUNK_SERVICE, decodeChunkMessage, encodeChunkMessage } from './messages.js'
import { type ProviderFinderDeps, findProviders, providersOf } from './provider-finder.js'
import type { ProviderHints } from './provider-hints.js'
import { type SliceDownloadOutcome, type SliceStreamSource, downloadSlices } from './slice-download.js'
import { SliceStream } from './slice-stream.js'
import type { SliceStreamPool } from './stream-pool.js'

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
 * `downloadPlain` (a reader that holds the key) does steps 5 and the
 * decryption in one worker job (crypto-pool.ts `openChunk`), the chunk
 * assembled in a pooled buffer that goes to the worker without a copy and
 * comes back to the pool once the cache has written it.
 */
export interface DownloadStore {
  get: (id: Uint8Array) => Buffer | undefined
  putCache: (id: Uint8Array, bytes: Uint8Array) => Promise<boolean>
  /** putCache for bytes whose SHA-256 the caller has just checked against `id` (no re-hash, no copy). */
  putCacheVerified?: (id: Uint8Array, bytes: Buffer) => Promise<boolean>
}

export interface ChunkProgress {
  phase: 'providers' | 'descriptor' | 'slices' | 'done'
  /** Verified bytes so far, and the chunk's length once known (0 before). */
  bytes: number
  total: number
  providers: number
}

export interface GetOptions {
  /** The chunk's descriptor when the caller knows it (parts of split blobs): slices are checked against it. */
  descriptor?: ChunkDescriptor
  /**
   * The blob this chunk is a part of (with `descriptor`): the peers that served its other
   * parts are asked first, without a provider lookup (provider-hints.ts).
   */
  group?: string
  signal?: AbortSignal
  onProgress?: (p: ChunkProgress) => void
}

export interface DownloadCounters {
  localHits: number
  downloads: number
  downloadFailures: number
  bytesDownloaded: number
  badSlices: number
  slowPeers: number
  unreachablePeers: number
  descriptorLies: number
  bans: number
  cacheFailures: number
  /** Downloads served by the peers of the blob's previous part, without a provider lookup. */
  hintedDownloads: number
}

export interface DownloaderDeps {
  network: ServiceNetwork
  store: DownloadStore
  finder: ProviderFinderDeps
  bans: BanList
  selfId: Buffer
  maxParallelProviders: number
  pipelineDepth: number
  sliceTimeoutMs: number
  requestTimeoutMs: number
  maxAttempts: number
  cacheDownloads: boolean
  /** Called (not awaited) once a downloaded chunk is cached here. */
  onCached: (id: Buffer) => void
  /**
   * Content a peer served: the bytes of its slices, told once the whole chunk
   * has checked out against its id (a slice that matches a peer's own
   * descriptor proves nothing until then). Junk never reaches it.
   */
  onContent?: (peer: Contact, bytes: number) => void
  counters: DownloadCounters
  /** Aborted when the service stops. */
  lifetime: AbortSignal
  /** Hashes (and, for downloadPlain, decrypts) whole chunks off the main thread. */
  crypto: Pick<ChunkCrypto, 'sha256'> & Partial<Pick<ChunkCrypto, 'openChunk' | 'scratch' | 'release'>>
  /** Slice streams kept open between downloads. */
  streams: SliceStreamPool
  /** Who served the other parts of a blob. */
  hints: ProviderHints
}

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
    throw new TornetError(ChunkCipherErrorCode.KEY_MISMATCH, `chunk ${short(id)} does not decrypt with the key given (wrong key or a malformed record)`)
  }
  return await deps.crypto.decrypt(got.cipher, key)
}

interface Fetched {
  cipher: Buffer
  /** Set when the id check and the decryption ran as one job and the bytes decrypted. */
  plain?: Buffer
  /** The id check and decryption ran as one job (so no plain means a key that does not fit). */
  opened: boolean
}

async function fetchChunk (deps: DownloaderDeps, id: Buffer, key: Buffer | undefined, opts: GetOptions): Promise<Fetched> {
  if (!Buffer.isBuffer(id) || id.length !== 32) throw new ChunkError(ChunkErrorCode.INVALID_ARGUMENT, 'a chunk id is 32 bytes')
  const given = opts.descriptor
  if (given !== undefined && (!given.id.equals(id) || !isValidChunkLength(given.length))) {
    throw new ChunkError(ChunkErrorCode.BAD_DESCRIPTOR, `the descriptor given is not for chunk ${short(id)}`)
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

/** openChunk with the key it is for, and the pool's buffers for assembling chunks. */
interface Opener {
  key: Buffer
  open: ChunkCrypto['openChunk']
  scratch?: ChunkCrypto['scratch']
  release?: ChunkCrypto['release']
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

async function fetchRemote (
  deps: DownloaderDeps, id: Buffer, given: ChunkDescriptor | undefined, signal: AbortSignal,
  onProgress: GetOptions['onProgress'], group: string | undefined, opener: Opener | undefined
): Promise<Fetched> {
  const skip = (peer: Buffer): boolean => peer.equals(deps.selfId) || deps.bans.has(peer)
  const usable = (p: Contact): boolean => !skip(p.id)
  const ban = (p: Contact, why: string): void => {
    if (deps.bans.has(p.id)) return
    deps.bans.ban(p.id, why)
    deps.counters.bans++
  }
  const lookup = async (): Promise<Contact[]> => {
    onProgress?.({ phase: 'providers', bytes: 0, total: given?.length ?? 0, providers: 0 })
    const found = await findProviders(deps.finder, id, { signal, want: deps.maxParallelProviders, skip })
    if (found.records.length === 0) {
      const early = found.stoppedEarly ? '; the closest nodes report it widely missing, so the search stopped early' : ''
      throw new ChunkError(ChunkErrorCode.NOT_FOUND, `no provider found for chunk ${short(id)} (asked for ${found.notFound} times without success${early})`, { notFound: found.notFound })
    }
    return providersOf(found.records)
  }
  const streams: SliceStreamSource = {
    acquire: async (peer, s) => {
      const kept = deps.streams.take(peer.id.toString('hex'))
      if (kept !== undefined) return { stream: kept, reused: true }
      return { stream: new SliceStream(await deps.network.openStream(peer, CHUNK_SERVICE, { signal: s })), reused: false }
    },
    release: (peer, stream, clean) => {
      if (clean) deps.streams.give(peer.id.toString('hex'), stream)
      else stream.close(false)
    }
  }
  const slices = async (providers: Contact[], descriptor: ChunkDescriptor, descriptorFrom?: Contact): Promise<SliceDownloadOutcome> => {
    let bytes = 0
    const outcome = await downloadSlices({
      descriptor,
      descriptorFrom,
      providers: providers.filter(usable),
      streams,
      maxParallel: deps.maxParallelProviders,
      pipelineDepth: deps.pipelineDepth,
      sliceTimeoutMs: deps.sliceTimeoutMs,
      signal,
      usable,
      onLiar: (p, why) => { ban(p, why) },
      allocate: opener?.scratch,
      onSlice: (_i, n) => {
        bytes += n
        onProgress?.({ phase: 'slices', bytes, total: descriptor.length, providers: providers.length })
      }
    })
    deps.counters.badSlices += outcome.counts.ends.bad
    deps.counters.slowPeers += outcome.counts.ends.slow
    deps.counters.unreachablePeers += outcome.counts.ends.unreachable
    return outcome
  }
  /**
   * Credits each peer with the slices it served of a chunk that checked out.
   * (By the descriptor's length: the assembled bytes may have gone to a worker by now.)
   */
  const credit = (outcome: SliceDownloadOutcome & { ok: true }, length: number): void => {
    if (deps.onContent === undefined) return
    const byPeer = new Map<string, { peer: Contact, bytes: number }>()
    outcome.servedBy.forEach((peer, i) => {
      const { start, end } = sliceBounds(length, i)
      const hex = peer.id.toString('hex')
      const e = byPeer.get(hex) ?? { peer, bytes: 0 }
      e.bytes += end - start
      byPeer.set(hex, e)
    })
    for (const { peer, bytes } of byPeer.values()) {
      try { deps.onContent(peer, bytes) } catch { /* a listener must not fail the download */ }
    }
  }
  const done = (got: Fetched, providers: number): Fetched => {
    onProgress?.({ phase: 'done', bytes: got.cipher.length, total: got.cipher.length, providers })
    return got
  }

  if (given !== undefined) {
    const whole = async (outcome: SliceDownloadOutcome & { ok: true }): Promise<Fetched> => {
      const got = await checkWhole(deps, given, outcome.bytes, opener)
      if (got === undefined) {
        // Every slice matched the caller's hashes, so the hashes themselves are wrong.
        throw new ChunkError(ChunkErrorCode.BAD_DESCRIPTOR, `the descriptor given for chunk ${short(id)} does not describe it`)
      }
      credit(outcome, given.length)
      return got
    }
    // Another part of the same blob: ask the peers that served the last one, no lookup.
    const hinted = group === undefined ? undefined : deps.hints.take(group)?.filter(usable)
    if (group !== undefined && hinted !== undefined && hinted.length > 0) {
      const outcome = await slices(hinted, given)
      if (outcome.ok) {
        deps.counters.hintedDownloads++
        return done(await whole(outcome), hinted.length)
      }
      deps.hints.miss(group)
    }
    const providers = await lookup()
    const outcome = await slices(providers, given)
    if (!outcome.ok) throw unavailable(id, providers.length, outcome)
    const bytes = await whole(outcome)
    // Those that delivered first, then the rest found.
    if (group !== undefined) deps.hints.found(group, [...outcome.servedBy, ...providers].filter(usable))
    return done(bytes, providers.length)
  }

  const providers = await lookup()
  const triedSources = new Set<string>()
  const earlier: Array<{ descriptor: ChunkDescriptor, from: Contact }> = []
  let last: SliceDownloadOutcome | undefined
  for (let attempt = 0; attempt < deps.maxAttempts; attempt++) {
    onProgress?.({ phase: 'descriptor', bytes: 0, total: 0, providers: providers.length })
    const got = await fetchDescriptor(deps, id, providers.filter(p => usable(p) && !triedSources.has(p.id.toString('hex'))), signal, ban)
    if (got === undefined) break
    triedSources.add(got.from.id.toString('hex'))
    const outcome = await slices(providers, got.descriptor, got.from)
    last = outcome
    const whole = outcome.ok ? await checkWhole(deps, got.descriptor, outcome.bytes, opener) : undefined
    if (outcome.ok && whole !== undefined) {
      // The id vouches for this descriptor now: whoever contradicted it lied. A chunk has
      // exactly one true descriptor, so an earlier, different one was a lie too.
      for (const p of outcome.suspects) ban(p, 'sent a slice that contradicts the chunk')
      credit(outcome, got.descriptor.length)
      for (const e of earlier) {
        if (!sameDescriptor(e.descriptor, got.descriptor) && !deps.bans.has(e.from.id)) {
          deps.counters.descriptorLies++
          ban(e.from, 'sent a descriptor that does not describe the chunk')
        }
      }
      return done(whole, providers.length)
    }
    earlier.push(got)
    if (outcome.ok || outcome.reason === 'descriptor-lied') {
      deps.counters.descriptorLies++
      ban(got.from, 'sent a descriptor that does not describe the chunk')
      continue
    }
    // Exhausted: with suspects the descriptor may be the lie (nobody's slices matched it): try another.
    if (outcome.suspects.length === 0) break
  }
  throw unavailable(id, providers.length, last)
}

/** A descriptor for `id` from the first of `providers` that has one (length and id checked). */
async function fetchDescriptor (
  deps: DownloaderDeps, id: Buffer, providers: Contact[], signal: AbortSignal,
  ban: (p: Contact, why: string) => void
): Promise<{ descriptor: ChunkDescriptor, from: Contact } | undefined> {
  const req = encodeChunkMessage({ type: 'getDescriptor', chunkId: id })
  for (const p of providers) {
    let reply: Buffer
    try {
      reply = await deps.network.request(p, CHUNK_SERVICE, req, { signal, timeoutMs: deps.requestTimeoutMs })
    } catch {
      signal.throwIfAborted()
      continue
    }
    const m = tryDecode(decodeChunkMessage, reply)
    if (m?.type !== 'descriptor') continue
    if (!m.descriptor.id.equals(id)) { ban(p, 'answered with the descriptor of another chunk'); continue }
    return { descriptor: m.descriptor, from: p }
  }
  return undefined
}

/**
 * The chunk when `bytes` is the whole described chunk (its length, and SHA-256 against its
 * id), else undefined. With an opener the same worker job also decrypts, and the bytes come
 * back in a new view (the pooled buffer travelled to the worker and back).
 */
async function checkWhole (deps: DownloaderDeps, d: ChunkDescriptor, bytes: Buffer, opener: Opener | undefined): Promise<Fetched | undefined> {
  if (bytes.length !== d.length) return undefined
  if (opener === undefined) return (await deps.crypto.sha256(bytes)).equals(d.id) ? { cipher: bytes, opened: false } : undefined
  const r = await opener.open(bytes, d.id, opener.key)
  if (r.ok) return { cipher: r.cipher, plain: r.plain, opened: true }
  if (r.reason === 'bad-key') return { cipher: r.cipher, opened: true }
  opener.release?.(r.cipher)
  return undefined
}

function sameDescriptor (a: ChunkDescriptor, b: ChunkDescriptor): boolean {
  return a.length === b.length && a.slices.length === b.slices.length && a.slices.every((h, i) => h.equals(b.slices[i]))
}

function unavailable (id: Buffer, providers: number, last?: SliceDownloadOutcome): ChunkError {
  const ends = last === undefined
    ? 'no provider had a descriptor'
    : Object.entries(last.counts.ends).filter(([, n]) => n > 0).map(([k, n]) => `${k} ${n}`).join(', ')
  return new ChunkError(ChunkErrorCode.UNAVAILABLE, `none of the ${providers} providers of chunk ${short(id)} delivered it whole and intact (${ends})`)
}

function short (id: Buffer): string {
  return id.toString('hex').slice(0, 16) + '…'
}
