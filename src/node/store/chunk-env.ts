import { join } from 'node:path'
import { ABORT, type RootDatabase, open } from 'lmdb'
import type { ChunkDatabases } from './chunk-index-loader.js'
import { storeErrorFrom } from './errors.js'
import { writeTxn, type StoreContext } from './store-context.js'

/**
 * The chunk databases' own LMDB environment, `<dir>/chunks`, apart from the node's main one
 * (`<dir>/db`), so that it can be closed and reopened while the node runs.
 *
 * Why: LMDB reads a value through its memory map, and every page touched that way stays
 * mapped, and counted in the process's resident memory, until the map goes. Deleting a 1 MiB
 * chunk reads its first page, and the kernel maps the whole (large) folio the chunk was written
 * in, so a cache that evicts grew the node by about 1 MiB per evicted chunk (measured: a 2 GiB
 * download with a 1 GiB cache peaked at 340 MiB, 161 MiB of it mapped file pages); serving
 * chunks maps them the same way. Closing the environment unmaps all of it, and reopening costs
 * about a millisecond, so the store reopens this environment whenever `remapBytes` of chunk
 * data have been read or freed since the last time. The pages stay in the kernel's page cache,
 * so nothing is read from disk again.
 *
 * Reopening waits until every queued write has committed and been flushed; writes asked for
 * meanwhile wait (in order) and go to the new environment. Reads stay served until the close,
 * which then runs within one turn of the event loop; `readable` is false only inside it.
 *
 * Before each close, one empty write transaction is aborted: the LMDB that lmdb-js builds
 * keeps the list of free pages in memory from one write to the next, frees it when a write
 * transaction aborts, and not when the environment closes. A cache that evicts has a long
 * free list, so every reopening leaked it (about 1.4 MiB of RSS per GiB a node downloaded;
 * `npm run bench -- store` measures it against bare lmdb-js: store.reopen_leak_kib).
 */
export const DEFAULT_REMAP_BYTES = 16 * 1024 * 1024

const DB_OPTIONS = { encoding: 'binary', keyEncoding: 'binary' } as const

export interface ChunkEnvOptions {
  mapSize: number
  /** Chunk bytes read or freed between two reopenings; 0 never reopens. */
  remapBytes?: number
}

export class ChunkEnv {
  env: RootDatabase<Buffer, Buffer>
  dbs: ChunkDatabases
  /** Reopenings since open (for tests and benchmarks). */
  reopens = 0
  private readonly path: string
  private readonly remapBytes: number
  private touched = 0
  private scheduled = false
  /** Set while a reopening waits for the queue to drain; later writes chain on it. */
  private gate: Promise<void> | undefined
  private closing = false
  private closed = false

  constructor (private readonly dir: string, private readonly opts: ChunkEnvOptions) {
    this.path = join(dir, 'chunks')
    this.remapBytes = opts.remapBytes ?? DEFAULT_REMAP_BYTES
    this.env = this.openEnv()
    this.dbs = this.openDbs()
  }

  /** False only while the environment is being swapped (or after close). */
  get readable (): boolean { return !this.closing && !this.closed }

  /** Resolves once no swap is under way (at once, usually). */
  async swapped (): Promise<void> {
    while (this.closing) await this.gate
  }

  /**
   * A context for code that takes a StoreContext (the index loader, writeTxn): its `env` is
   * always the current one.
   */
  context (base: Omit<StoreContext, 'env'>): StoreContext {
    const self = this // eslint-disable-line @typescript-eslint/no-this-alias
    return { dir: base.dir, warn: base.warn, now: base.now, isClosed: base.isClosed, get env () { return self.env } }
  }

  /** writeTxn on this environment, behind a reopening in progress. */
  async txn (ctx: StoreContext, doing: string, fn: () => void): Promise<void> {
    const gate = this.gate
    if (gate === undefined) return await writeTxn(ctx, doing, fn)
    await gate
    await writeTxn(ctx, doing, fn)
  }

  /** Counts chunk bytes read through the map or freed; reopens once `remapBytes` are reached. */
  touch (bytes: number): void {
    if (this.remapBytes <= 0 || this.closed) return
    this.touched += bytes
    if (this.touched < this.remapBytes || this.scheduled) return
    // Not from inside the caller (which may be building a write batch): on the next turn.
    this.scheduled = true
    setImmediate(() => {
      this.scheduled = false
      if (this.touched >= this.remapBytes) void this.reopen().catch(() => { /* the next write reports it */ })
    })
  }

  /** Closes and reopens the environment (see above). */
  async reopen (): Promise<void> {
    if (this.gate !== undefined) return await this.gate
    this.gate = (async () => {
      try {
        await this.env.committed
        await this.env.flushed
        if (this.closed) return
        releaseFreeList(this.env)
        this.closing = true
        try {
          await this.env.close()
        } finally {
          this.closing = false
        }
        if (this.closed) return
        this.env = this.openEnv()
        this.dbs = this.openDbs()
        this.touched = 0
        this.reopens++
      } finally {
        this.gate = undefined
      }
    })()
    await this.gate
  }

  async flushed (): Promise<void> {
    await this.gate
    await this.env.flushed
  }

  async close (): Promise<void> {
    await this.gate
    if (this.closed) return
    this.closed = true
    await this.env.committed
    await this.env.flushed
    releaseFreeList(this.env)
    await this.env.close()
  }

  private openEnv (): RootDatabase<Buffer, Buffer> {
    try {
      return open<Buffer, Buffer>({ path: this.path, maxDbs: 8, ...DB_OPTIONS, mapSize: this.opts.mapSize })
    } catch (err) {
      throw storeErrorFrom(err, this.dir, 'opening the chunk database')
    }
  }

  private openDbs (): ChunkDatabases {
    return {
      local: this.env.openDB<Buffer, Buffer>('chunks-local', DB_OPTIONS),
      cache: this.env.openDB<Buffer, Buffer>('chunks-cache', DB_OPTIONS),
      meta: this.env.openDB<Buffer, Buffer>('chunk-meta', DB_OPTIONS)
    }
  }
}

/**
 * Frees the free-page list LMDB keeps in memory (see above): an aborted write transaction is
 * what releases it. Called with no write queued (after `committed` and `flushed`), so taking
 * the write lock does not wait. A failure here costs only the leak it avoids.
 */
function releaseFreeList (env: RootDatabase<Buffer, Buffer>): void {
  try {
    env.transactionSync(() => ABORT)
  } catch {}
}
