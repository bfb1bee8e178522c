import { createHash } from 'node:crypto'
import { stat } from 'node:fs/promises'
import { basename } from 'node:path'
import type { BlowfishImpl } from '../../crypto/chunk-cipher.js'
import { sha256 } from '../../crypto/hash.js'
import { type ChunkSink, ChunkWriter } from './chunk-writer.js'
import { type DirectoryEntry, encodeDirectory, nameProblem } from './directory-record.js'
import { FsError, FsErrorCode } from './errors.js'
import { type FsLimits, MAX_DIR_ENTRIES, MAX_PATH_SEGMENTS, resolveLimits } from './limits.js'
import { EMPTY_LOCATION, type Location } from './location.js'
import { type LocationIndex, lookupLocation } from './location-index.js'
import { Packer, type PackSlot } from './packer.js'
import type { PublishEntry, PublishFile } from './publish-entry.js'
import type { Reference } from './reference.js'
import { writeSplitBlob } from './split-writer.js'
import { fileEntry, walkDirectory } from './walk.js'

export interface PublishProgress {
  phase: 'files' | 'directories' | 'done'
  /** Files taken from the source so far. */
  files: number
  /** Files whose content was already published (found in the index or earlier in this run). */
  reusedFiles: number
  /** Source bytes read (large files may be read twice: hash, then store). */
  bytesRead: number
  chunksPut: number
  bytesPut: number
  path?: string
}

export interface PublishOptions {
  signal?: AbortSignal
  onProgress?: (p: PublishProgress) => void
  /** Shape of new chunks; defaults are the network's (1 MiB chunks). */
  limits?: Partial<FsLimits>
  impl?: BlowfishImpl
}

interface FileNode { kind: 'file', size: number, contentHash: Buffer, location?: Location, slot?: PackSlot }
interface DirNode { kind: 'directory', children: Map<string, FileNode | DirNode> }

/**
 * Publishes a file or a directory tree and returns its reference.
 *
 * `source` is a path on disk (a file or a directory) or a stream of entries.
 * Files are read as streams: a small file (≤ limits.smallFileMax) is read
 * whole and packed with others, a larger one is split into parts stored as
 * they are read, so memory stays bounded by about two chunks whatever the
 * file size. Every file is looked up by its content hash in `index` first:
 * content already published keeps its old location, which is what keeps a
 * republish after a one-file edit down to that file's chunk(s) plus the
 * directory records on its path. Directory records are built bottom-up once
 * all files are placed; unchanged directories give identical records and so
 * identical chunks.
 */
export async function publish (
  source: string | AsyncIterable<PublishEntry> | Iterable<PublishEntry>,
  sink: ChunkSink,
  index: LocationIndex,
  opts: PublishOptions = {}
): Promise<Reference> {
  const limits = resolveLimits(opts.limits)
  const progress: PublishProgress = { phase: 'files', files: 0, reusedFiles: 0, bytesRead: 0, chunksPut: 0, bytesPut: 0 }
  const report = (): void => {
    progress.chunksPut = writer.chunksPut
    progress.bytesPut = writer.bytesPut
    opts.onProgress?.({ ...progress })
  }
  const writer = new ChunkWriter(sink, { impl: opts.impl, signal: opts.signal, onPut: report })
  const onBytes = (n: number): void => { progress.bytesRead += n }

  if (typeof source === 'string') {
    const st = await stat(source)
    if (st.isFile()) {
      const f = fileEntry(source, basename(source), st.size)
      const { head } = await writeSplitBlob('file', f.open(), writer, limits, { expectedSize: f.size, signal: opts.signal, onBytes })
      progress.files = 1
      progress.phase = 'done'
      report()
      return { id: head.id, key: head.key }
    }
    source = walkDirectory(source, opts.signal)
  }

  const root: DirNode = { kind: 'directory', children: new Map() }
  const inRun = new Map<string, FileNode>()
  const packer = new Packer(writer, limits.packBytes, async slots => {
    for (const s of slots) await index.setLocation(s.contentHash, s.location as Location)
  })

  for await (const entry of source) {
    opts.signal?.throwIfAborted()
    const { parent, name } = parentOf(root, entry.path)
    if (entry.kind === 'directory') {
      const existing = parent.children.get(name)
      if (existing === undefined) parent.children.set(name, { kind: 'directory', children: new Map() })
      else if (existing.kind !== 'directory') throw conflict(entry.path)
      continue
    }
    if (parent.children.has(name)) throw conflict(entry.path)
    progress.path = entry.path
    const node = await placeFile(entry, limits, writer, packer, index, inRun, progress, onBytes, opts.signal)
    parent.children.set(name, node)
    progress.files++
    report()
  }
  await packer.flush()

  progress.phase = 'directories'
  progress.path = undefined
  const { location: rootLoc } = await storeDirectory(root, writer, limits, opts.signal)
  progress.phase = 'done'
  report()
  return { id: rootLoc.chunkId, key: rootLoc.key }
}

async function placeFile (
  f: PublishFile, limits: FsLimits, writer: ChunkWriter, packer: Packer, index: LocationIndex,
  inRun: Map<string, FileNode>, progress: PublishProgress, onBytes: (n: number) => void, signal?: AbortSignal
): Promise<FileNode> {
  if (!Number.isSafeInteger(f.size) || f.size < 0) throw new FsError(FsErrorCode.SOURCE_CHANGED, `${f.path}: bad size ${f.size}`)
  const reuse = async (contentHash: Buffer): Promise<FileNode | undefined> => {
    const hex = contentHash.toString('hex')
    const same = inRun.get(hex)
    if (same !== undefined) { progress.reusedFiles++; return same }
    const location = await lookupLocation(index, contentHash, f.size)
    if (location === undefined) return undefined
    progress.reusedFiles++
    const node: FileNode = { kind: 'file', size: f.size, contentHash, location }
    inRun.set(hex, node)
    return node
  }

  if (f.size <= limits.smallFileMax) {
    const bytes = await readAll(f, signal, onBytes)
    const contentHash = sha256(bytes)
    if (f.size === 0) return { kind: 'file', size: 0, contentHash, location: EMPTY_LOCATION }
    const known = await reuse(contentHash)
    if (known !== undefined) return known
    const node: FileNode = { kind: 'file', size: f.size, contentHash, slot: await packer.add(contentHash, bytes) }
    inRun.set(contentHash.toString('hex'), node)
    return node
  }

  // Large: hash first (cheap) so unchanged content is not encrypted again.
  const h = createHash('sha256')
  let seen = 0
  for await (const piece of f.open()) {
    signal?.throwIfAborted()
    h.update(piece)
    seen += piece.length
    onBytes(piece.length)
    if (seen > f.size) break
  }
  if (seen !== f.size) throw changed(f, seen)
  const contentHash = h.digest()
  const known = await reuse(contentHash)
  if (known !== undefined) return known
  const r = await writeSplitBlob('file', f.open(), writer, limits, { expectedSize: f.size, signal, onBytes })
  if (!r.contentHash.equals(contentHash)) throw new FsError(FsErrorCode.SOURCE_CHANGED, `${f.path} changed while being published`)
  const location: Location = { mode: 'split', chunkId: r.head.id, key: r.head.key, offset: 0, length: r.size }
  await index.setLocation(contentHash, location)
  const node: FileNode = { kind: 'file', size: f.size, contentHash, location }
  inRun.set(contentHash.toString('hex'), node)
  return node
}

/** Stores a directory's record after its subdirectories; returns where the record is. */
async function storeDirectory (dir: DirNode, writer: ChunkWriter, limits: FsLimits, signal?: AbortSignal): Promise<{ location: Location, contentHash: Buffer }> {
  if (dir.children.size > MAX_DIR_ENTRIES) throw new FsError(FsErrorCode.LIMIT, `a directory holds more than ${MAX_DIR_ENTRIES} entries`)
  const entries: DirectoryEntry[] = []
  for (const [name, child] of dir.children) {
    if (child.kind === 'directory') {
      const { location, contentHash } = await storeDirectory(child, writer, limits, signal)
      entries.push({ name, kind: 'directory', size: location.length, contentHash, location })
    } else {
      const loc = child.location ?? child.slot?.location
      if (loc === undefined) throw new Error('publish: file placed but never stored')
      entries.push({ name, kind: 'file', size: child.size, contentHash: child.contentHash, location: loc })
    }
  }
  const record = encodeDirectory(entries)
  let loc: Location
  if (record.length <= limits.partBytes) {
    const { id, key } = await writer.store(record)
    loc = { mode: 'slice', chunkId: id, key, offset: 0, length: record.length }
  } else {
    const r = await writeSplitBlob('directory', [record], writer, limits, { signal })
    loc = { mode: 'split', chunkId: r.head.id, key: r.head.key, offset: 0, length: r.size }
  }
  return { location: loc, contentHash: sha256(record) }
}

function parentOf (root: DirNode, path: string): { parent: DirNode, name: string } {
  const segments = path.split('/')
  if (segments.length > MAX_PATH_SEGMENTS) throw new FsError(FsErrorCode.LIMIT, `"${path.slice(0, 80)}…" is deeper than ${MAX_PATH_SEGMENTS} levels`)
  for (const s of segments) {
    const problem = nameProblem(s)
    if (problem !== undefined) throw new FsError(FsErrorCode.BAD_NAME, `cannot publish "${path}": ${problem}`)
  }
  let dir = root
  for (const s of segments.slice(0, -1)) {
    let next = dir.children.get(s)
    if (next === undefined) {
      next = { kind: 'directory', children: new Map() }
      dir.children.set(s, next)
    }
    if (next.kind !== 'directory') throw conflict(path)
    dir = next
  }
  return { parent: dir, name: segments[segments.length - 1] }
}

async function readAll (f: PublishFile, signal: AbortSignal | undefined, onBytes: (n: number) => void): Promise<Buffer> {
  const out = Buffer.allocUnsafe(f.size)
  let fill = 0
  for await (const piece of f.open()) {
    signal?.throwIfAborted()
    if (fill + piece.length > f.size) throw changed(f, fill + piece.length)
    out.set(piece, fill)
    fill += piece.length
    onBytes(piece.length)
  }
  if (fill !== f.size) throw changed(f, fill)
  return out
}

function changed (f: PublishFile, seen: number): FsError {
  return new FsError(FsErrorCode.SOURCE_CHANGED, `${f.path}: expected ${f.size} bytes, read ${seen === f.size ? 'different' : seen}`)
}

function conflict (path: string): FsError {
  return new FsError(FsErrorCode.PATH_CONFLICT, `"${path}" is published twice, or under a file`)
}
