import { mkdirSync } from 'node:fs'
import { open, type Database, type RootDatabase } from 'lmdb'
import { resolveError } from '../../errors.js'
import { RESOLVE_ERRORS } from '../../types.js'
import { HEADER_BYTES, decodePureHeader, hashHex, type PureHeader } from './header-codec.js'

/**
 * Verified Namecoin headers on disk (LMDB), so that a restart resumes where
 * the last run stopped instead of downloading from the checkpoint again.
 *
 *   headers   key u32 BE height → the 80-byte header (AuxPoW is checked once, then dropped)
 *   meta      "tip" → u32 BE height; "anchor" → the checkpoint this chain was verified from
 *
 * Only headers that header-chain.ts verified are written, in one write
 * transaction per accepted run (a crash leaves the previous tip). A store
 * built from another checkpoint (a newer Tornet ships a newer one) is
 * cleared on open. Memory is bounded: headers are read from LMDB, and only
 * a small cache of recent ones is kept.
 */

const TIP_KEY = Buffer.from('tip')
const ANCHOR_KEY = Buffer.from('anchor')
const CACHE_LIMIT = 4096

function heightKey (height: number): Buffer {
  const k = Buffer.alloc(4)
  k.writeUInt32BE(height)
  return k
}

export class HeaderStore {
  private readonly cache = new Map<number, PureHeader>()
  private tipHeight: number | undefined

  private constructor (
    private readonly env: RootDatabase<Buffer, Buffer>,
    private readonly headers: Database<Buffer, Buffer>,
    private readonly meta: Database<Buffer, Buffer>
  ) {
    const tip = meta.get(TIP_KEY)
    this.tipHeight = tip?.length === 4 ? tip.readUInt32BE(0) : undefined
  }

  /** Opens (creating) the store in `dir`; `anchorId` identifies the checkpoint (clears a store of another). */
  static open (dir: string, anchorId: string): HeaderStore {
    let env: RootDatabase<Buffer, Buffer>
    try {
      mkdirSync(dir, { recursive: true })
      env = open<Buffer, Buffer>({ path: dir, maxDbs: 4, encoding: 'binary', keyEncoding: 'binary', mapSize: 256 * 1024 * 1024 })
    } catch (err) {
      throw resolveError(RESOLVE_ERRORS.unavailable, `Cannot open the Namecoin header store in ${dir}: ${(err as Error).message}. Check that the data directory is writable and not used by another tornet process.`, err)
    }
    const headers = env.openDB<Buffer, Buffer>('headers', { encoding: 'binary', keyEncoding: 'binary' })
    const meta = env.openDB<Buffer, Buffer>('meta', { encoding: 'binary', keyEncoding: 'binary' })
    const stored = meta.get(ANCHOR_KEY)
    if (stored === undefined || stored.toString('utf8') !== anchorId) {
      env.transactionSync(() => {
        headers.clearSync()
        meta.clearSync()
        meta.putSync(ANCHOR_KEY, Buffer.from(anchorId, 'utf8'))
      })
    }
    return new HeaderStore(env, headers, meta)
  }

  /** Height of the highest verified header, undefined before the checkpoint header was fetched. */
  get tip (): number | undefined { return this.tipHeight }

  get (height: number): PureHeader | undefined {
    const hit = this.cache.get(height)
    if (hit !== undefined) return hit
    const raw = this.headers.get(heightKey(height))
    if (raw === undefined || raw.length !== HEADER_BYTES) return undefined
    const header = decodePureHeader(raw)
    this.remember(height, header)
    return header
  }

  /**
   * Writes headers from `start` (replacing what is stored there, for a reorganisation),
   * removes stored headers above the new tip, and moves the tip, all in one transaction.
   */
  putRun (start: number, run: readonly PureHeader[]): void {
    const end = start + run.length - 1
    const oldTip = this.tipHeight
    this.env.transactionSync(() => {
      run.forEach((h, i) => { this.headers.putSync(heightKey(start + i), h.raw) })
      if (oldTip !== undefined) for (let h = end + 1; h <= oldTip; h++) this.headers.removeSync(heightKey(h))
      this.meta.putSync(TIP_KEY, heightKey(end))
    })
    for (const key of [...this.cache.keys()]) if (key >= start) this.cache.delete(key)
    run.forEach((h, i) => this.remember(start + i, h))
    this.tipHeight = end
  }

  describe (): string {
    const tip = this.tipHeight
    if (tip === undefined) return 'empty'
    const h = this.get(tip)
    return `tip ${tip} (${h === undefined ? '?' : hashHex(h.hash)})`
  }

  async close (): Promise<void> {
    this.cache.clear()
    await this.env.close()
  }

  private remember (height: number, header: PureHeader): void {
    if (this.cache.size >= CACHE_LIMIT) {
      const oldest = this.cache.keys().next().value
      if (oldest !== undefined) this.cache.delete(oldest)
    }
    this.cache.set(height, header)
  }
}
