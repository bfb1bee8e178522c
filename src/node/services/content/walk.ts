import { createReadStream } from 'node:fs'
import { opendir, stat } from 'node:fs/promises'
import { join } from 'node:path'
import type { PublishEntry, PublishFile } from './publish-entry.js'

const READ_BUFFER = 1 << 20

/**
 * Walks a directory on disk depth-first, children in the order directory
 * records use (UTF-8 bytes), so packing is deterministic. Yields every
 * directory (empty ones too) and regular file; symbolic links and special
 * files are skipped (a published tree must not reach outside itself).
 */
export async function * walkDirectory (root: string, signal?: AbortSignal): AsyncIterable<PublishEntry> {
  yield * walk(root, '', signal)
}

async function * walk (abs: string, rel: string, signal?: AbortSignal): AsyncIterable<PublishEntry> {
  signal?.throwIfAborted()
  const children: Array<{ name: string, bytes: Buffer, isDir: boolean, isFile: boolean }> = []
  for await (const d of await opendir(abs)) {
    children.push({ name: d.name, bytes: Buffer.from(d.name, 'utf8'), isDir: d.isDirectory(), isFile: d.isFile() })
  }
  children.sort((a, b) => Buffer.compare(a.bytes, b.bytes))
  for (const c of children) {
    const childAbs = join(abs, c.name)
    const childRel = rel === '' ? c.name : `${rel}/${c.name}`
    if (c.isDir) {
      yield { path: childRel, kind: 'directory' }
      yield * walk(childAbs, childRel, signal)
    } else if (c.isFile) {
      yield fileEntry(childAbs, childRel, (await stat(childAbs)).size)
    }
  }
}

/** A publish entry for one file on disk. */
export function fileEntry (abs: string, rel: string, size: number): PublishFile {
  return { path: rel, kind: 'file', size, open: () => createReadStream(abs, { highWaterMark: READ_BUFFER }) }
}
