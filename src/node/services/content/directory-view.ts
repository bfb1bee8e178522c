import { WireError } from '../../wire/codec.js'
import type { RandomAccess } from './blob-access.js'
import {
  compareNames, decodeDirectoryHeader, decodeEntryFixed, decodeName, DIR_ENTRY_BYTES, DIR_HEADER_BYTES,
  type DirectoryEntry, type DirectoryHeader, type RawEntry
} from './directory-record.js'
import { FsError, FsErrorCode } from './errors.js'
import { MAX_DIR_ENTRIES } from './limits.js'

/**
 * Reads a directory record in place: entry i and its name are two small
 * reads at computable offsets, and a name lookup is a binary search over the
 * sorted entries, so a directory of a million entries costs ~20 entry reads
 * to search, not a full decode. Works over any RandomAccess (a chunk in
 * memory, or a record split across chunks that are fetched on demand).
 * Malformed bytes give FS_RECORD_MALFORMED for the entry touched; a record
 * whose names are not sorted just makes lookups miss (never a crash).
 */
export class DirectoryView {
  private constructor (private readonly access: RandomAccess, private readonly header: DirectoryHeader) {}

  static async open (access: RandomAccess, opts: { maxEntries?: number, signal?: AbortSignal } = {}): Promise<DirectoryView> {
    if (access.size < DIR_HEADER_BYTES) throw new FsError(FsErrorCode.RECORD_MALFORMED, 'directory record too short')
    const head = await access.read(0, DIR_HEADER_BYTES, opts.signal)
    const header = wire(() => decodeDirectoryHeader(head, access.size, opts.maxEntries ?? MAX_DIR_ENTRIES))
    return new DirectoryView(access, header)
  }

  get count (): number { return this.header.count }

  private get namesStart (): number { return DIR_HEADER_BYTES + this.header.count * this.header.entrySize }

  private async raw (i: number, signal?: AbortSignal): Promise<RawEntry> {
    if (!Number.isInteger(i) || i < 0 || i >= this.header.count) {
      throw new FsError(FsErrorCode.BAD_RANGE, `entry ${i} outside 0..${this.header.count - 1}`)
    }
    const bytes = await this.access.read(DIR_HEADER_BYTES + i * this.header.entrySize, DIR_ENTRY_BYTES, signal)
    return wire(() => decodeEntryFixed(bytes, this.header))
  }

  private async rawName (e: RawEntry, signal?: AbortSignal): Promise<Buffer> {
    return await this.access.read(this.namesStart + e.nameOffset, e.nameLength, signal)
  }

  /** Entry i in name order. */
  async entry (i: number, signal?: AbortSignal): Promise<DirectoryEntry> {
    const e = await this.raw(i, signal)
    return toEntry(e, await this.rawName(e, signal))
  }

  /** The entry called `name`, or undefined. Binary search by UTF-8 bytes. */
  async lookup (name: string | Uint8Array, signal?: AbortSignal): Promise<DirectoryEntry | undefined> {
    const want = typeof name === 'string' ? Buffer.from(name, 'utf8') : name
    let lo = 0
    let hi = this.header.count - 1
    while (lo <= hi) {
      const mid = (lo + hi) >>> 1
      const e = await this.raw(mid, signal)
      const have = await this.rawName(e, signal)
      const c = compareNames(have, want)
      if (c === 0) return toEntry(e, have)
      if (c < 0) lo = mid + 1
      else hi = mid - 1
    }
    return undefined
  }

  /** All entries in name order, read one at a time. */
  async * entries (signal?: AbortSignal): AsyncIterable<DirectoryEntry> {
    for (let i = 0; i < this.header.count; i++) yield await this.entry(i, signal)
  }
}

function toEntry (e: RawEntry, name: Buffer): DirectoryEntry {
  return { name: wire(() => decodeName(name)), kind: e.kind, size: e.size, contentHash: e.contentHash, location: e.location }
}

function wire<T> (f: () => T): T {
  try {
    return f()
  } catch (err) {
    if (err instanceof WireError) throw new FsError(FsErrorCode.RECORD_MALFORMED, err.message, { cause: err })
    throw err
  }
}
