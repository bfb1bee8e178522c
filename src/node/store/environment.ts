import { closeSync, mkdirSync, openSync, readSync } from 'node:fs'
import { join } from 'node:path'
import { type DatabaseOptions, type Key, type RootDatabase, type Database, open } from 'lmdb'
import { ChunkEnv } from './chunk-env.js'
import { ChunkStore, type ChunkStoreOptions } from './chunk-store.js'
import { ContentIndex } from './content-index.js'
import { migrateLegacyChunks } from './legacy-chunks.js'
import { StoreErrorCode, type WarningSink, storeError, storeErrorFrom } from './errors.js'
import { PeerAccounts, type PeerAccountsOptions } from './peer-accounts.js'
import { type BinaryDatabase, type StoreContext, assertOpen } from './store-context.js'
import { type StoreLock, acquireStoreLock } from './store-lock.js'

/**
 * The node's two LMDB environments and the typed databases on them. `<dir>/db`:
 *
 *   store-meta     "schema" → u8 layout version of everything here
 *   peers          node id → peer account (peer-account-codec.ts)
 *   content-index  content hash → location (opaque, for the publisher)
 *
 * and `<dir>/chunks`, which the chunk store reopens from time to time (chunk-env.ts says why):
 *
 *   chunks-local   chunk id → bytes (published or pinned; never evicted)
 *   chunks-cache   chunk id → bytes (held for others; evicted by value)
 *   chunk-meta     chunk id → placement, size, heat (chunk-meta-codec.ts)
 *
 * Layout 1 had the chunk databases in `<dir>/db`; opening such a store moves them
 * (legacy-chunks.ts). Other services open their own databases on the main environment with
 * `openDatabase`.
 * Durability is lmdb's default: every write transaction is fsynced (overlappingSync on
 * Linux: the sync runs after the commit, and after a crash LMDB reopens at the last synced
 * transaction). Never noSync.
 */
export const STORE_SCHEMA_VERSION = 2
/**
 * The map is reserved large from the start. Left to lmdb-js it starts at 128 KiB and is
 * remapped as the file grows, and every earlier mapping stays in place with the pages that
 * were touched through it: the process's resident memory then grew with everything ever
 * written (measured: +90 MiB for 768 MiB of cached chunks, against +28 MiB and levelling off
 * with one mapping). Only address space is reserved; the file grows as data is written.
 */
export const DEFAULT_MAP_BYTES = 64 * 1024 * 1024 * 1024
const MAX_DBS = 32
const RESERVED = new Set(['store-meta', 'peers', 'chunks-local', 'chunks-cache', 'chunk-meta', 'content-index'])

export interface StoreOptions extends ChunkStoreOptions, PeerAccountsOptions {
  /**
   * Initial LMDB map size in bytes (address space reserved, not disk): default DEFAULT_MAP_BYTES.
   * lmdb grows it when the data outgrows it.
   */
  mapSize?: number
  /** Chunk bytes read or freed between two reopenings of the chunk environment (chunk-env.ts); 0: never. */
  remapBytes?: number
  /** Where survivable problems go (a record that does not decode, a failed flush). */
  onWarning?: WarningSink
  /** Clock in ms since the epoch (tests inject one). */
  now?: () => number
}

export interface Store {
  readonly dir: string
  readonly peers: PeerAccounts
  readonly chunks: ChunkStore
  readonly content: ContentIndex
  /** A further database on this environment for another service; binary keys and values by default. */
  openDatabase: <V = Buffer, K extends Key = Buffer>(name: string, options?: DatabaseOptions) => Database<V, K>
  /** Resolves when every write so far is on disk (fsynced), not only committed. */
  flushed: () => Promise<void>
  /** Flushes batched counters, waits for pending writes, closes LMDB and releases the lock. */
  close: () => Promise<void>
}

const defaultWarn: WarningSink = (w) => { process.emitWarning(w.message, { code: w.code }) }

export function openStore (dir: string, opts: StoreOptions = {}): Store {
  const warn = opts.onWarning ?? defaultWarn
  try { mkdirSync(dir, { recursive: true }) } catch (err) { throw storeErrorFrom(err, dir, 'creating the data directory') }
  const lock = acquireStoreLock(dir, warn)
  let env: RootDatabase<Buffer, Buffer>
  let chunkEnv: ChunkEnv | undefined
  const mapSize = opts.mapSize ?? DEFAULT_MAP_BYTES
  try {
    checkDataFile(dir, 'db')
    checkDataFile(dir, 'chunks')
    env = open<Buffer, Buffer>({ path: join(dir, 'db'), maxDbs: MAX_DBS, encoding: 'binary', keyEncoding: 'binary', mapSize })
  } catch (err) {
    lock.release()
    throw storeErrorFrom(err, dir, 'opening the database')
  }
  try {
    chunkEnv = new ChunkEnv(dir, { mapSize, remapBytes: opts.remapBytes })
    return assemble(dir, env, chunkEnv, lock, warn, opts)
  } catch (err) {
    void chunkEnv?.close().catch(() => {})
    void env.close().catch(() => {})
    lock.release()
    throw storeErrorFrom(err, dir, 'opening the database')
  }
}

function assemble (dir: string, env: RootDatabase<Buffer, Buffer>, chunkEnv: ChunkEnv, lock: StoreLock, warn: WarningSink, opts: StoreOptions): Store {
  let closed = false
  const ctx: StoreContext = { dir, env, warn, now: opts.now ?? Date.now, isClosed: () => closed }
  const binary = (name: string): BinaryDatabase => env.openDB<Buffer, Buffer>(name, { encoding: 'binary', keyEncoding: 'binary' })
  const meta = binary('store-meta')
  if (checkSchema(dir, env, meta) === 1) {
    migrateLegacyChunks(env, { local: binary('chunks-local'), cache: binary('chunks-cache'), meta: binary('chunk-meta') }, chunkEnv, warn)
    env.transactionSync(() => { meta.putSync(SCHEMA_KEY, Buffer.from([STORE_SCHEMA_VERSION])) })
  }

  let peers: PeerAccounts | undefined
  let chunks: ChunkStore
  try {
    peers = new PeerAccounts(ctx, binary('peers'), opts)
    chunks = new ChunkStore(ctx, chunkEnv, opts)
  } catch (err) {
    closed = true
    void peers?.close()
    throw err
  }
  const content = new ContentIndex(ctx, binary('content-index'))
  let closing: Promise<void> | undefined

  return {
    dir,
    peers,
    chunks,
    content,
    openDatabase <V = Buffer, K extends Key = Buffer>(name: string, options: DatabaseOptions = {}): Database<V, K> {
      assertOpen(ctx)
      if (!/^[a-z0-9][a-z0-9-]{0,63}$/.test(name) || RESERVED.has(name)) {
        throw storeError(StoreErrorCode.INVALID_ARGUMENT, `database name ${JSON.stringify(name)} is invalid or reserved`)
      }
      try {
        return env.openDB<V, K>(name, { encoding: 'binary', keyEncoding: 'binary', ...options })
      } catch (err) {
        throw storeErrorFrom(err, dir, `opening database ${name}`)
      }
    },
    async flushed (): Promise<void> { await Promise.all([env.flushed, chunkEnv.flushed()]) },
    async close (): Promise<void> {
      closing ??= (async () => {
        try {
          await Promise.allSettled([peers.close(), chunks.close()])
          closed = true
          await chunkEnv.close()
          await env.committed
          await env.flushed
          await env.close()
        } finally {
          closed = true
          lock.release()
        }
      })()
      await closing
    }
  }
}

const SCHEMA_KEY = Buffer.from('schema')

/** The store's layout version; a new store gets the current one. */
function checkSchema (dir: string, env: RootDatabase<Buffer, Buffer>, meta: BinaryDatabase): number {
  const v = meta.getBinary(SCHEMA_KEY)
  if (v === undefined) {
    env.transactionSync(() => { meta.putSync(SCHEMA_KEY, Buffer.from([STORE_SCHEMA_VERSION])) })
    return STORE_SCHEMA_VERSION
  }
  if (v.length !== 1 || v[0] > STORE_SCHEMA_VERSION) {
    throw storeError(StoreErrorCode.CORRUPT,
      `The store in ${dir} was written by a newer Tornet (layout ${v.length === 1 ? v[0] : '?'}, this one reads ${STORE_SCHEMA_VERSION}). ` +
      'Upgrade Tornet or use another data directory.')
  }
  return v[0]
}

/**
 * LMDB trusts its file: opening a file that is not an LMDB environment crashes the process
 * (a segmentation fault, measured with lmdb 3.5). So before opening, check the meta page's
 * magic number (0xBEEFC0DE, little-endian, at byte 24 of page 0 in lmdb-js's build, 16 in classic LMDB) and refuse
 * with STORE_CORRUPT. This catches a wrong or overwritten file, not damage deeper inside.
 */
function checkDataFile (dir: string, env: string): void {
  const path = join(dir, env, 'data.mdb')
  let fd: number
  try { fd = openSync(path, 'r') } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return // a new store
    throw err
  }
  try {
    const head = Buffer.alloc(28)
    const n = readSync(fd, head, 0, 28, 0)
    if (n === 0) return // created but never written: lmdb initialises it
    const magicAt = (o: number): boolean => n >= o + 4 && head.readUInt32LE(o) === 0xbeefc0de
    if (!magicAt(24) && !magicAt(16)) { // 24: lmdb-js's LMDB 0.9.9x page header; 16: classic LMDB
      throw storeError(StoreErrorCode.CORRUPT,
        `${path} is not an LMDB database (or its header is damaged). Move it aside to start with an empty store.`)
    }
  } finally { closeSync(fd) }
}
