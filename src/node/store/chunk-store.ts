import { sha256 } from '../crypto/hash.js'
import { ChunkIndex, type IndexEntry, type Usage } from './chunk-index.js'
import type { ChunkEnv } from './chunk-env.js'
import { type ChunkDatabases, loadChunkIndex } from './chunk-index-loader.js'
import { type Placement, encodeChunkMeta } from './chunk-meta-codec.js'
import { StoreErrorCode, StoreWarningCode, storeError } from './errors.js'
import { EvictionPolicy } from './eviction-policy.js'
import { MissingCounter } from './missing-counter.js'
import { type StoreContext, assertOpen, checkId, del, put } from './store-context.js'

/**
 * The two chunk databases of the seed: `local` holds chunks this user published or pinned
 * and is never evicted; `cache` holds chunks kept for others, bounded in bytes, evicting the
 * least valuable first (expected revenue: heat × this node's price, see eviction-policy.ts). Chunks are opaque bytes keyed
 * by SHA-256(bytes); every put re-hashes (but putCacheVerified, whose caller has just done it),
 * so a corrupt chunk is never stored and so never served.
 *
 * An in-memory index (placement, size, heat per chunk) answers has/usage/eviction without
 * touching the disk; it changes synchronously with each call, and the matching LMDB
 * transaction is queued at once, so transactions commit in call order and the disk always
 * holds a prefix of the call history. Until its transaction commits, a chunk's bytes are
 * served from `pending`. Heat changes are written in batches (every `heatFlushMs` and on
 * close): a crash loses at most that much access history, never a chunk.
 *
 * The three databases live in their own environment (chunk-env.ts), which the store reopens
 * after every `remapBytes` of chunk data read or freed, to keep the node's memory bounded.
 */
export const MAX_CHUNK_BYTES = 1024 * 1024 + 4096 // 1 MiB of payload plus room for a header
export const DEFAULT_CACHE_BYTES = 1024 * 1024 * 1024
export const DEFAULT_HEAT_FLUSH_MS = 5000

export interface ChunkStoreOptions {
  /** The node id; eviction favours chunks near it. Without it (and without `bytePrice`), heat alone decides. */
  nodeId?: Uint8Array
  /**
   * This node's price per byte of a chunk (the node wires accounting/price.ts chunkBytePrice
   * with its id): the cache keeps what earns most, heat × price. Default: 1 + the common
   * prefix of nodeId and the chunk id, the same figure for distinct ids.
   */
  bytePrice?: (chunkId: Uint8Array) => number
  /** Bound on the bytes of cached chunks (LMDB's page overhead comes on top). */
  cacheBytes?: number
  /** Half-life of an access in the heat score. */
  halfLifeMs?: number
  /** Ids remembered by noteMissing. */
  missingCapacity?: number
  heatFlushMs?: number
}

export interface ScrubOptions {
  signal?: AbortSignal
  onProgress?: (p: { checked: number, total: number, corrupt: number }) => void
}

interface PendingWrite { bytes: Buffer, done: Promise<void> }

export class ChunkStore {
  private readonly eviction: EvictionPolicy
  private index: ChunkIndex
  private readonly pending = new Map<string, PendingWrite>()
  private readonly dirtyHeat = new Set<string>()
  private readonly missing: MissingCounter
  private readonly timer: NodeJS.Timeout
  /** Chunks evicted from the cache since open. */
  evictions = 0
  /** Chunks not cached because making room would have evicted a chunk worth more. */
  refusedByValue = 0
  private readonly priceOf = (id: Buffer): number => this.eviction.price(id)

  private readonly ctx: StoreContext

  /** `base` gives the directory, clock, warning sink and closed flag; its env is not used. */
  constructor (base: Omit<StoreContext, 'env'>, private readonly cenv: ChunkEnv, opts: ChunkStoreOptions = {}) {
    const ctx = this.ctx = cenv.context(base)
    const limit = opts.cacheBytes ?? DEFAULT_CACHE_BYTES
    if (!Number.isSafeInteger(limit) || limit < 0) throw storeError(StoreErrorCode.INVALID_ARGUMENT, `bad cacheBytes ${limit}`)
    const nodeId = opts.nodeId === undefined ? undefined : checkId(opts.nodeId, 'nodeId')
    this.eviction = new EvictionPolicy({ limit, nodeId, bytePrice: opts.bytePrice, halfLifeMs: opts.halfLifeMs })
    this.missing = new MissingCounter(opts.missingCapacity)
    this.index = loadChunkIndex(ctx, this.dbs, this.priceOf)
    this.timer = setInterval(() => { this.flushHeat().catch(() => { /* reported inside */ }) }, opts.heatFlushMs ?? DEFAULT_HEAT_FLUSH_MS)
    this.timer.unref()
    // A store reopened with a smaller limit trims at once.
    if (this.index.cacheBytes > limit) void this.trim().catch(() => { /* reported by the caller's next write */ })
  }

  has (id: Uint8Array): boolean {
    return this.index.get(checkId(id).toString('hex')) !== undefined
  }

  /** The whole chunk (a copy; do not mutate), counting one access if it is cached. */
  get (id: Uint8Array): Buffer | undefined {
    assertOpen(this.ctx)
    const key = checkId(id)
    const hex = key.toString('hex')
    const e = this.index.get(hex)
    if (e === undefined) return undefined
    // A pending chunk's bytes may be the writer's buffer, reused once its write commits: copy.
    const pending = this.pending.get(hex)?.bytes
    const bytes = pending !== undefined ? Buffer.from(pending) : this.read(e.placement, key, e.size)?.getBinary(key)
    if (bytes !== undefined) this.access(hex, e, 1)
    return bytes
  }

  /**
   * `length` bytes from `offset` (clamped to the chunk), for slice serving. lmdb's
   * getBinaryFast copies the value into one reused buffer (a memcpy, about 40 µs per MiB, no
   * allocation), and only the slice is copied out, so serving a slice allocates slice-sized
   * memory only. (Keeping whole chunks in memory between slices was tried and measured worse:
   * a fresh megabyte per chunk and provider made the serving process spend a quarter of its
   * time in the garbage collector.) lmdb-js has no offset read, so the memcpy of the whole
   * chunk remains.
   * Counts length/size of an access, so a chunk fetched in slices counts as one read.
   */
  getRange (id: Uint8Array, offset: number, length: number): Buffer | undefined {
    let out: Buffer | undefined
    const n = this.withRange(id, offset, length, (view) => { out = Buffer.from(view) })
    return n === undefined ? undefined : out
  }

  /**
   * getRange without the copy: calls `use` with a view of the bytes (clamped to the chunk),
   * valid only during the call (lmdb reuses the buffer), and returns their length, or
   * undefined when the chunk is not here. For a slice server that frames several slices into
   * one buffer of its own.
   */
  withRange (id: Uint8Array, offset: number, length: number, use: (view: Buffer) => void): number | undefined {
    return this.readRange(id, offset, length, use)
  }

  /** Hands `take` a view of bytes [offset, offset + length) of the chunk (valid only during the call). */
  private readRange (id: Uint8Array, offset: number, length: number, take: (src: Buffer) => void): number | undefined {
    assertOpen(this.ctx)
    const key = checkId(id)
    if (!Number.isSafeInteger(offset) || !Number.isSafeInteger(length) || offset < 0 || length < 0) {
      throw storeError(StoreErrorCode.INVALID_ARGUMENT, `bad range ${offset}+${length}`)
    }
    const hex = key.toString('hex')
    const e = this.index.get(hex)
    if (e === undefined) return undefined
    const start = Math.min(offset, e.size)
    const end = Math.min(e.size, offset + length)
    const src = this.pending.get(hex)?.bytes ?? this.read(e.placement, key, end - start)?.getBinaryFast(key)
    if (src === undefined) return undefined
    take(src.subarray(start, end))
    if (e.size > 0) this.access(hex, e, (end - start) / e.size)
    return end - start
  }

  /** Stores a chunk this user publishes (or moves a cached one to local). Never evicted. */
  async putLocal (id: Uint8Array, bytes: Uint8Array): Promise<void> {
    assertOpen(this.ctx)
    const key = checkChunk(id, bytes)
    const hex = key.toString('hex')
    this.missing.clear(hex)
    const e = this.index.get(hex)
    if (e?.placement === 'local') return await this.settled(hex)
    const copy = Buffer.from(bytes)
    if (e !== undefined) this.index.move(hex, 'local')
    else this.index.add(hex, this.entry(key, 'local', copy.length, 0))
    const meta = this.metaOf(this.index.get(hex) as IndexEntry)
    await this.write(hex, copy, 'storing a local chunk', () => {
      put(this.dbs.local, key, copy)
      if (e !== undefined) del(this.dbs.cache, key)
      put(this.dbs.meta, key, meta)
    })
    if (e !== undefined) this.cenv.touch(e.size)
  }

  /**
   * Caches a chunk held for others, evicting the least valuable cached chunks to stay within
   * `cacheLimit`. The new chunk enters with heat 1, so it is worth its price; it displaces
   * no chunk worth more (the seed's rule: a chunk must beat the least profitable one).
   * Resolves false (nothing stored) when the chunk alone exceeds the limit or is worth less
   * than what it would displace; true otherwise, also when the chunk was already here (a
   * cached one then counts an access).
   */
  async putCache (id: Uint8Array, bytes: Uint8Array): Promise<boolean> {
    assertOpen(this.ctx)
    const key = checkChunk(id, bytes)
    return await this.cache(key, bytes, true)
  }

  /**
   * putCache for a caller that has just checked SHA-256(bytes) against `id` itself (the chunk
   * downloader, which must hash a downloaded chunk anyway before it trusts it): the store then
   * does not hash the bytes again, and keeps `bytes` without a copy unless they live in shared
   * memory; the caller must not modify them until the promise settles. Internal to the node; anything that
   * did not hash the bytes it holds calls putCache. Once the promise settles the store no
   * longer refers to `bytes` (get() hands out copies of pending bytes): the caller may reuse them.
   */
  async putCacheVerified (id: Uint8Array, bytes: Buffer): Promise<boolean> {
    assertOpen(this.ctx)
    const key = checkChunk(id, bytes, false)
    return await this.cache(key, bytes, false)
  }

  private async cache (key: Buffer, bytes: Uint8Array, copy: boolean): Promise<boolean> {
    const hex = key.toString('hex')
    this.missing.clear(hex)
    const e = this.index.get(hex)
    if (e !== undefined) {
      if (e.placement === 'cache') this.access(hex, e, 1)
      await this.settled(hex)
      return true
    }
    if (!this.eviction.fits(bytes.length)) return false
    // lmdb-js (3.5) stores garbage for a Buffer over a SharedArrayBuffer (measured): such bytes
    // are always copied into an ordinary buffer first.
    const own = copy || !Buffer.isBuffer(bytes) || bytes.buffer instanceof SharedArrayBuffer ? Buffer.from(bytes) : bytes
    const entry = this.entry(key, 'cache', own.length, 1)
    const victims = this.evictFor(own.length, undefined, entry.price)
    if (victims === undefined) { this.refusedByValue++; return false }
    this.index.add(hex, entry)
    const meta = this.metaOf(entry)
    await this.write(hex, own, 'caching a chunk', () => {
      this.removeVictims(victims)
      put(this.dbs.cache, key, own)
      put(this.dbs.meta, key, meta)
    })
    return true
  }

  /**
   * What a paid place for a chunk of `size` bytes would displace: the week's expected revenue
   * of the least valuable unpaid cached chunks that would go (0 when the cache has room), or
   * undefined when no room can be made (the chunk exceeds the cache, or all of it is paid for).
   */
  quotePaid (size: number): number | undefined {
    if (!Number.isSafeInteger(size) || size < 1 || size > MAX_CHUNK_BYTES) throw storeError(StoreErrorCode.INVALID_ARGUMENT, `bad chunk size ${size}`)
    return this.eviction.quote(this.index, size, this.ctx.now())?.weeklyRevenue
  }

  /**
   * Caches a chunk a publisher paid a place for, kept until `paidUntil` whatever it earns;
   * after that it competes like any cached chunk. Room is made by evicting the least valuable
   * unpaid chunks, whatever their worth (the publisher paid for that, see quotePaid). A chunk
   * already cached gets the paid term; one held as local stays local. Resolves false when no
   * room can be made. `verified`: the caller has just checked SHA-256(bytes) against `id`.
   */
  async putPaid (id: Uint8Array, bytes: Uint8Array, paidUntil: number, verified = false): Promise<boolean> {
    assertOpen(this.ctx)
    const key = checkChunk(id, bytes, !verified)
    const hex = key.toString('hex')
    this.missing.clear(hex)
    const e = this.index.get(hex)
    if (e !== undefined) {
      if (e.placement === 'cache') {
        e.paidUntil = Math.max(e.paidUntil ?? 0, paidUntil)
        const meta = this.metaOf(e)
        await this.write(hex, undefined, 'paying a cached chunk', () => { put(this.dbs.meta, key, meta) })
      } else {
        await this.settled(hex)
      }
      return true
    }
    const quote = this.eviction.quote(this.index, bytes.length, this.ctx.now())
    if (quote === undefined) return false
    const own = Buffer.from(bytes)
    const entry = this.entry(key, 'cache', own.length, 1)
    entry.paidUntil = paidUntil
    for (const v of quote.victims) {
      const vh = v.id.toString('hex')
      this.index.remove(vh)
      this.dirtyHeat.delete(vh)
    }
    this.evictions += quote.victims.length
    this.index.add(hex, entry)
    const meta = this.metaOf(entry)
    await this.write(hex, own, 'caching a paid chunk', () => {
      this.removeVictims(quote.victims)
      put(this.dbs.cache, key, own)
      put(this.dbs.meta, key, meta)
    })
    return true
  }

  /** Until when a publisher paid for the cached chunk's place (undefined: not paid, or not cached). */
  paidUntil (id: Uint8Array): number | undefined {
    const e = this.index.get(checkId(id).toString('hex'))
    return e?.placement === 'cache' ? e.paidUntil : undefined
  }

  /** The stored chunk's length in bytes, or undefined when it is not here. */
  sizeOf (id: Uint8Array): number | undefined {
    return this.index.get(checkId(id).toString('hex'))?.size
  }

  /** Moves a cached chunk to local (never evicted). False if the chunk is not here. */
  async pin (id: Uint8Array): Promise<boolean> {
    return await this.relocate(id, 'local')
  }

  /** Moves a local chunk to the cache, where it may be evicted. False if not here. */
  async unpin (id: Uint8Array): Promise<boolean> {
    return await this.relocate(id, 'cache')
  }

  async delete (id: Uint8Array): Promise<boolean> {
    assertOpen(this.ctx)
    const key = checkId(id)
    const hex = key.toString('hex')
    const e = this.index.remove(hex)
    if (e === undefined) return false
    this.dirtyHeat.delete(hex)
    await this.write(hex, undefined, 'deleting a chunk', () => {
      del(this.db(e.placement), key)
      del(this.dbs.meta, key)
    })
    this.cenv.touch(e.size)
    return true
  }

  /** Bound on the bytes of cached chunks (LMDB's page overhead comes on top). */
  get cacheLimit (): number { return this.eviction.limit }

  usage (): Usage { return this.index.usage(this.cacheLimit) }

  /** How often the chunk environment was reopened since open (chunk-env.ts). */
  get remaps (): number { return this.cenv.reopens }

  /** Reopens the chunk environment now, dropping its mapped pages; writes asked for meanwhile wait. */
  async remap (): Promise<void> { await this.cenv.reopen() }

  /** Chunks (and their bytes) held in memory until their transaction commits. */
  backlog (): { chunks: number, bytes: number } {
    let bytes = 0
    for (const p of this.pending.values()) bytes += p.bytes.length
    return { chunks: this.pending.size, bytes }
  }

  /** The ids stored (in one placement or both), e.g. for re-announcing local chunks. */
  ids (placement?: Placement): Buffer[] {
    const out: Buffer[] = []
    for (const e of this.index.values()) if (placement === undefined || e.placement === placement) out.push(e.id)
    return out
  }

  /** Counts a request for a chunk that is not here; returns how often it was asked for (0 if it is here). */
  noteMissing (id: Uint8Array): number {
    const hex = checkId(id).toString('hex')
    return this.index.get(hex) === undefined ? this.missing.note(hex) : 0
  }

  /** The not-found count without counting. */
  missingCount (id: Uint8Array): number { return this.missing.peek(checkId(id).toString('hex')) }

  /** Re-hashes one stored chunk; a corrupt one (disk damage) is deleted and reported. */
  async verify (id: Uint8Array): Promise<boolean> {
    assertOpen(this.ctx)
    const key = checkId(id)
    if (!this.cenv.readable) await this.cenv.swapped() // a swap is no missing chunk
    const e = this.index.get(key.toString('hex'))
    if (e === undefined) return false
    const bytes = this.pending.get(key.toString('hex'))?.bytes ?? this.read(e.placement, key, e.size)?.getBinaryFast(key)
    // getBinaryFast's buffer is reused and longer than the value: hash exactly `length` bytes.
    if (bytes !== undefined && sha256(bytes.subarray(0, bytes.length)).equals(key)) return true
    this.ctx.warn({ code: StoreWarningCode.CHUNK_CORRUPT, message: `chunk ${key.toString('hex')} no longer matches its hash; deleted` })
    await this.delete(key)
    return false
  }

  /** Re-hashes every stored chunk (see verify), yielding to the event loop between chunks. */
  async scrub (opts: ScrubOptions = {}): Promise<{ checked: number, corrupt: number }> {
    const ids = Array.from(this.index.values(), (e) => e.id)
    let checked = 0
    let corrupt = 0
    for (const id of ids) {
      opts.signal?.throwIfAborted()
      if (this.index.get(id.toString('hex')) !== undefined && !(await this.verify(id))) corrupt++
      checked++
      opts.onProgress?.({ checked, total: ids.length, corrupt })
      await new Promise<void>((resolve) => setImmediate(resolve))
    }
    return { checked, corrupt }
  }

  /** Writes batched heat changes; also run every heatFlushMs and on close. */
  async flushHeat (): Promise<void> {
    if (this.dirtyHeat.size === 0 || this.ctx.isClosed()) return
    // Snapshot now, so this transaction writes the state as of its place in the queue.
    const writes: Array<[Buffer, Buffer]> = []
    for (const hex of this.dirtyHeat) {
      const e = this.index.get(hex)
      if (e !== undefined) writes.push([e.id, this.metaOf(e)])
    }
    this.dirtyHeat.clear()
    try {
      await this.cenv.txn(this.ctx, 'saving chunk heat', () => {
        for (const [k, v] of writes) put(this.dbs.meta, k, v)
      })
    } catch (err) {
      this.ctx.warn({ code: StoreWarningCode.FLUSH_FAILED, message: 'could not save chunk access counts', cause: err })
    }
  }

  /** Stops the timer and writes what is batched; the environment is closed by the Store. */
  async close (): Promise<void> {
    clearInterval(this.timer)
    await this.flushHeat()
    await Promise.allSettled(Array.from(this.pending.values(), (p) => p.done))
  }

  private async relocate (id: Uint8Array, to: Placement): Promise<boolean> {
    assertOpen(this.ctx)
    const key = checkId(id)
    if (!this.cenv.readable) await this.cenv.swapped() // a swap is no missing chunk (else all stays synchronous)
    const hex = key.toString('hex')
    const e = this.index.get(hex)
    if (e === undefined) return false
    if (e.placement === to) { await this.settled(hex); return true }
    const from = e.placement
    const pending = this.pending.get(hex)?.bytes // copied: the writer may reuse its buffer once that write commits
    const bytes = pending !== undefined ? Buffer.from(pending) : this.read(from, key, e.size)?.getBinary(key)
    if (bytes === undefined) throw storeError(StoreErrorCode.IO, `chunk ${hex} is indexed but its bytes are missing`)
    if (to === 'cache' && !this.eviction.fits(e.size)) { await this.delete(key); return true }
    this.index.move(hex, to)
    let victims: IndexEntry[] = []
    if (to === 'cache') {
      e.heat = { score: 1, at: this.ctx.now() }
      victims = this.evictFor(0, hex)
    }
    const meta = this.metaOf(e)
    await this.write(hex, bytes, to === 'local' ? 'pinning a chunk' : 'unpinning a chunk', () => {
      this.removeVictims(victims)
      put(this.db(to), key, bytes)
      del(this.db(from), key)
      put(this.dbs.meta, key, meta)
    })
    this.cenv.touch(e.size)
    return true
  }

  /** Evicts a stored cache that is over a (lowered) limit. */
  private async trim (): Promise<void> {
    const victims = this.evictFor(0)
    if (victims.length === 0) return
    await this.cenv.txn(this.ctx, 'trimming the cache', () => { this.removeVictims(victims) })
  }

  /** Takes the victims out of the index now; their rows go in the caller's transaction. */
  /** Undefined (nothing taken) when `worth` is given and the room would cost a chunk worth as much. */
  private evictFor (incoming: number, exempt?: string): IndexEntry[]
  private evictFor (incoming: number, exempt: string | undefined, worth: number): IndexEntry[] | undefined
  private evictFor (incoming: number, exempt?: string, worth?: number): IndexEntry[] | undefined {
    const victims = this.eviction.victims(this.index, incoming, this.ctx.now(), exempt, worth)
    if (victims === undefined) return undefined
    for (const v of victims) {
      const hex = v.id.toString('hex')
      this.index.remove(hex)
      this.dirtyHeat.delete(hex)
    }
    this.evictions += victims.length
    return victims
  }

  private removeVictims (victims: IndexEntry[]): void {
    let freed = 0
    for (const v of victims) {
      del(this.dbs.cache, v.id)
      del(this.dbs.meta, v.id)
      freed += v.size
    }
    // LMDB reads each freed value's first page through its map: count it towards a reopening.
    if (freed > 0) this.cenv.touch(freed)
  }

  private access (hex: string, e: IndexEntry, weight: number): void {
    if (e.placement !== 'cache') return
    this.eviction.access(e.heat, this.ctx.now(), weight)
    this.dirtyHeat.add(hex)
  }

  /** Queues the transaction; `bytes` are served from memory until it commits. */
  private async write (hex: string, bytes: Buffer | undefined, doing: string, fn: () => void): Promise<void> {
    const done = this.cenv.txn(this.ctx, doing, fn)
    const p: PendingWrite | undefined = bytes === undefined ? undefined : { bytes, done }
    if (p !== undefined) this.pending.set(hex, p)
    try {
      await done
    } catch (err) {
      // The disk refused (full, I/O error). Rebuild the index from what is committed once
      // the queue drains, so memory and disk agree again.
      void this.ctx.env.committed.then(() => {
        if (!this.ctx.isClosed()) this.index = loadChunkIndex(this.ctx, this.dbs, this.priceOf)
      })
      throw err
    } finally {
      if (p !== undefined && this.pending.get(hex) === p) this.pending.delete(hex)
    }
  }

  private async settled (hex: string): Promise<void> {
    await this.pending.get(hex)?.done
  }

  private entry (id: Buffer, placement: Placement, size: number, score: number): IndexEntry {
    return { id, placement, size, heat: { score, at: this.ctx.now() }, price: this.eviction.price(id) }
  }

  private metaOf (e: IndexEntry): Buffer {
    return encodeChunkMeta({ placement: e.placement, size: e.size, score: e.heat.score, at: e.heat.at, paidUntil: e.placement === 'cache' ? e.paidUntil : undefined })
  }

  /** The current environment's databases (a reopening replaces them). */
  private get dbs (): ChunkDatabases { return this.cenv.dbs }

  private db (p: Placement): ChunkDatabases['local'] {
    return p === 'local' ? this.dbs.local : this.dbs.cache
  }

  /**
   * The database to read a committed chunk from, counting `bytes` read through the map; none
   * in the instant the environment is being swapped (the chunk then reads as absent).
   */
  private read (p: Placement, key: Buffer, bytes: number): ChunkDatabases['local'] | undefined {
    if (!this.cenv.readable) return undefined
    this.cenv.touch(bytes)
    return this.db(p)
  }
}

/** The gate every chunk passes before it is stored: size bounds, then its hash (unless the caller just checked it). */
function checkChunk (id: Uint8Array, bytes: Uint8Array, hash = true): Buffer {
  const key = checkId(id, 'chunk id')
  if (!(bytes instanceof Uint8Array) || bytes.length === 0) {
    throw storeError(StoreErrorCode.INVALID_ARGUMENT, 'a chunk must be non-empty bytes')
  }
  if (bytes.length > MAX_CHUNK_BYTES) {
    throw storeError(StoreErrorCode.CHUNK_TOO_LARGE, `chunk of ${bytes.length} bytes exceeds ${MAX_CHUNK_BYTES}`)
  }
  if (hash && !sha256(bytes).equals(key)) {
    throw storeError(StoreErrorCode.CHUNK_HASH_MISMATCH, `chunk bytes do not hash to ${key.toString('hex')}; not stored`)
  }
  return Buffer.from(key) // our own copy: the caller may reuse its buffer
}
