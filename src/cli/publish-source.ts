import { createReadStream } from 'node:fs'
import { stat } from 'node:fs/promises'
import { join } from 'node:path'
import { walkDirectory } from '../node/index.js'
import { CommandErrorCode, commandError } from './command-errors.js'

/**
 * What `tornet publish` reads: the source walked once up front (so the progress bar has a
 * total), then handed to node.publish as a stream of entries whose reads are counted.
 *
 * The walk is the node's own (fs/walk.ts, walkDirectory): children sorted by the bytes of their UTF-8 names,
 * a directory listed before its contents, symbolic links and special files skipped. The order
 * decides how small files are packed, so it must match for the same tree to give the same
 * reference however it is published.
 *
 * The publisher reads a file larger than one chunk twice when it is new (hash, then store)
 * and once when it is already published; which one is known only when it moves on. So each
 * read of a large file counts half, and the rest is credited when the next entry is taken.
 */
export interface SourceFile { abs: string, rel: string, size: number }
export interface SourceDirectory { rel: string }

export interface MeasuredSource {
  kind: 'file' | 'directory'
  files: number
  bytes: number
  /** Directories (the root not included), then files, in publishing order. */
  entries: Array<{ kind: 'file', file: SourceFile } | { kind: 'directory', dir: SourceDirectory }>
}

/** Structurally the node's PublishEntry. */
export type CountedEntry =
  | { path: string, kind: 'file', size: number, open: () => AsyncIterable<Uint8Array> }
  | { path: string, kind: 'directory' }

/** Files above this are split into parts (one chunk's plaintext) and read twice when new. */
const SPLIT_ABOVE = (1 << 20) - 8
export const MAX_SOURCE_ENTRIES = 1_000_000

export async function measureSource (root: string, signal?: AbortSignal): Promise<MeasuredSource> {
  let st
  try {
    st = await stat(root)
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code
    if (code === 'ENOENT' || code === 'ENOTDIR') throw commandError(CommandErrorCode.NO_SUCH_FILE, `${root}: no such file or directory. Check the path (it is relative to the current directory; under \`npm run\`, to the Tornet directory)`, err)
    throw commandError(CommandErrorCode.NO_SUCH_FILE, `${root}: cannot be read (${code ?? String(err)}). Check its permissions, or publish a copy you can read`, err)
  }
  if (st.isFile()) return { kind: 'file', files: 1, bytes: st.size, entries: [{ kind: 'file', file: { abs: root, rel: '', size: st.size } }] }
  if (!st.isDirectory()) throw commandError(CommandErrorCode.NO_SUCH_FILE, `${root} is neither a file nor a directory: publish a regular file or a folder`)
  const out: MeasuredSource = { kind: 'directory', files: 0, bytes: 0, entries: [] }
  for await (const e of walkDirectory(root, signal)) {
    if (out.entries.length >= MAX_SOURCE_ENTRIES) throw commandError(CommandErrorCode.TOO_LARGE, `more than ${MAX_SOURCE_ENTRIES} files and directories; publish parts of the tree separately`)
    if (e.kind === 'directory') {
      out.entries.push({ kind: 'directory', dir: { rel: e.path } })
    } else {
      out.entries.push({ kind: 'file', file: { abs: join(root, e.path), rel: e.path, size: e.size } })
      out.files++
      out.bytes += e.size
    }
  }
  return out
}

/** The measured directory as publish entries; `onBytes` gets progress in source bytes. */
export async function * countedEntries (source: MeasuredSource, onBytes: (n: number) => void): AsyncIterable<CountedEntry> {
  for (const e of source.entries) {
    if (e.kind === 'directory') {
      yield { path: e.dir.rel, kind: 'directory' }
      continue
    }
    const f = e.file
    const weight = f.size > SPLIT_ABOVE ? 0.5 : 1
    let credited = 0
    const credit = (n: number): void => {
      const add = Math.min(n * weight, f.size - credited)
      credited += add
      if (add > 0) onBytes(add)
    }
    yield { path: f.rel, kind: 'file', size: f.size, open: () => counted(f.abs, credit) }
    // The publisher asks for the next entry once this file is placed.
    if (credited < f.size) onBytes(f.size - credited)
  }
}

async function * counted (abs: string, onRead: (n: number) => void): AsyncIterable<Uint8Array> {
  for await (const b of createReadStream(abs, { highWaterMark: 1 << 20 })) {
    onRead((b as Buffer).length)
    yield b as Buffer
  }
}
