import { createHash, type Hash } from 'node:crypto'
import { createReadStream } from 'node:fs'
import { lstat, open, rename, unlink } from 'node:fs/promises'
import type { Stats } from 'node:fs'
import type { TornetNode } from '../node/index.js'
import { CommandErrorCode, commandError } from './command-errors.js'

/**
 * One file of `tornet get`, written to `<out>.part` and renamed to `<out>` once complete and
 * verified. A `.part` left by an interrupted run is continued from its length with a range
 * read, so only the missing bytes cross the network. Every chunk is checked against its id
 * by the reader; bytes already on disk are checked part by part against the part hashes in
 * the file's headers before they are kept (checkedPrefix), and the whole file is hashed (the
 * kept prefix from disk, the rest as it arrives) and compared with the content hash the
 * directory gives: a resumed file is byte-exact or it is not kept.
 */
export interface FileToGet {
  reference: string
  /** Path inside the content. */
  path: string
  size: number
  /** SHA-256 of the file's bytes, hex. */
  contentHash: string
  out: string
}

export interface FileDownloadOptions {
  /** Replace an existing `out` that differs. */
  force?: boolean
  signal?: AbortSignal
  /** Bytes found on disk (a complete file or a .part), before any transfer. */
  onExisting?: (bytes: number) => void
  onBytes?: (bytes: number) => void
}

export type FileDownloadOutcome =
  /** `discarded`: bytes of a .part that were not kept (failed their check, or a part cut short). */
  | { kind: 'downloaded', resumedFrom: number, discarded: number }
  | { kind: 'already-there' }

export const PART_SUFFIX = '.part'

type Content = TornetNode['content']

export async function downloadFile (content: Content, f: FileToGet, opts: FileDownloadOptions = {}): Promise<FileDownloadOutcome> {
  const existing = await statOrUndefined(f.out)
  if (existing !== undefined) {
    if (existing.isFile() && existing.size === f.size && await hashFile(f.out, f.size) === f.contentHash) {
      opts.onExisting?.(f.size)
      return { kind: 'already-there' }
    }
    if (!existing.isFile()) throw commandError(CommandErrorCode.OUTPUT_EXISTS, `${f.out} exists and is not a file: choose another output with -o, or move it away`)
    if (opts.force !== true) throw commandError(CommandErrorCode.OUTPUT_EXISTS, `${f.out} exists and differs from ${f.path || 'the file'}; --force replaces it`)
  }

  const part = f.out + PART_SUFFIX
  const partStat = await statOrUndefined(part)
  // A .part longer than the file is not a prefix of it: start again.
  const kept = partStat?.isFile() === true && partStat.size <= f.size ? partStat.size : 0
  const hash = createHash('sha256')
  const resumeFrom = kept > 0 ? await checkedPrefix(content, f, part, kept, hash, opts.signal) : 0
  opts.onExisting?.(resumeFrom)

  const fh = await open(part, resumeFrom > 0 ? 'r+' : 'w')
  let position = resumeFrom
  try {
    await fh.truncate(resumeFrom)
    if (resumeFrom < f.size) {
      // Each buffer is written and hashed before the next is asked for: it may be reused (transient).
      for await (const b of content.read(f.reference, f.path, { start: resumeFrom, end: f.size - 1 }, opts.signal, { transient: true })) {
        await fh.write(b, 0, b.length, position)
        position += b.length
        hash.update(b)
        opts.onBytes?.(b.length)
      }
    }
    await fh.sync()
  } finally {
    await fh.close()
  }
  // The parts' hashes come from the headers the content hash heads, so this fails only when
  // the publisher contradicted itself; it is the last word all the same.
  if (position !== f.size || hash.digest('hex') !== f.contentHash) {
    await unlink(part).catch(() => {})
    throw commandError(CommandErrorCode.CONTENT_MISMATCH, resumeFrom > 0
      ? `${f.out}: the partial download (${part}) did not match the published file; it was removed. Run the command again to fetch the file from the start`
      : `${f.out}: the bytes received do not match the published file's hash; nothing was kept`)
  }
  await rename(part, f.out)
  return { kind: 'downloaded', resumedFrom: resumeFrom, discarded: kept - resumeFrom }
}

/**
 * How much of a .part an interrupted run left can be kept: its whole parts, in order, up to
 * the first whose bytes do not hash to that part's hash in the file's headers (a torn write,
 * a disk that lost the tail, another file's leftovers). What follows, and a part cut short by
 * the interruption, is fetched again. The kept bytes go into `hash`. A file stored in one
 * piece (a small one) has no parts to check: it is fetched again whole.
 */
async function checkedPrefix (content: Content, f: FileToGet, part: string, kept: number, hash: Hash, signal?: AbortSignal): Promise<number> {
  const fs = await content.fs(f.reference, signal)
  const fh = await open(part, 'r')
  let good = 0
  try {
    for await (const p of fs.parts(f.path, kept, { signal })) {
      const bytes = Buffer.allocUnsafe(p.length)
      const { bytesRead } = await fh.read(bytes, 0, p.length, p.offset)
      if (bytesRead !== p.length || !createHash('sha256').update(bytes).digest().equals(p.sha256)) break
      hash.update(bytes)
      good = p.offset + p.length
    }
  } finally {
    await fh.close()
  }
  return good
}

async function statOrUndefined (path: string): Promise<Stats | undefined> {
  try {
    return await lstat(path)
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined
    throw err
  }
}

async function hashInto (hash: Hash, path: string, length: number): Promise<void> {
  if (length === 0) return
  for await (const b of createReadStream(path, { start: 0, end: length - 1, highWaterMark: 1 << 20 })) hash.update(b as Buffer)
}

async function hashFile (path: string, length: number): Promise<string> {
  const h = createHash('sha256')
  await hashInto(h, path, length)
  return h.digest('hex')
}

/** SHA-256 of a published file's bytes (hex), as its directory records it. */
export async function contentHashOf (content: Content, reference: string, path: string, signal?: AbortSignal): Promise<string> {
  const fs = await content.fs(reference, signal)
  return (await fs.stat(path, { signal })).contentHash.toString('hex')
}
