import { isTornetError, type TornetNode } from '../node/index.js'
import type { CliContext } from './command.js'
import { recordChunks } from './chunk-recorder.js'
import { walkTree, type TreeEntry } from './content-tree.js'
import { formatBytes } from './format-bytes.js'
import { ProgressBar } from './progress-bar.js'
import { ProgressLine } from './progress-line.js'

/**
 * `tornet pin` and `tornet unpin`: walk a published tree, read every file through the
 * content library with the chunk recorder on, and move each chunk seen between the store's
 * two placements. Pinned chunks ("local", like published ones) are never evicted; unpinned
 * ones go to the cache, where eviction may drop them.
 *
 * pin fetches missing chunks and pins each as soon as it is seen, so an interrupted pin keeps
 * what it did and a second run finishes it. unpin reads from the store only, and moves the
 * chunks at the end (moving them one by one while reading could evict a directory record
 * that is still to be read). A chunk shared with other content (the same file published
 * twice) is moved for that content too: chunks have no owners.
 */
export interface PinReport {
  chunks: number
  bytes: number
  /** pin: already local before; unpin: already in the cache. */
  unchanged: number
  /** pin: fetched from the network (they were not in the store). */
  fetched: number
  /** unpin: entries that could not be read from the store (their chunks are not here). */
  unreadable: number
}

export async function pinTree (node: TornetNode, ctx: CliContext, reference: string, path: string, mode: 'pin' | 'unpin'): Promise<PinReport> {
  const localBefore = new Set(node.chunkIds('local').map(id => id.toString('hex')))
  const storedBefore = new Set(node.chunkIds().map(id => id.toString('hex')))
  const seen = new Map<string, Buffer>()
  const report: PinReport = { chunks: 0, bytes: 0, unchanged: 0, fetched: 0, unreadable: 0 }
  const recorder = recordChunks(node, {
    localOnly: mode === 'unpin',
    onChunk: async (id, bytes) => {
      const hex = id.toString('hex')
      if (seen.has(hex)) return
      seen.set(hex, id)
      report.chunks++
      report.bytes += bytes.length
      if (mode === 'unpin') return
      if (localBefore.has(hex)) { report.unchanged++; return }
      if (!storedBefore.has(hex)) report.fetched++
      // A download is cached before it is returned, unless the cache cannot hold it (then the bytes are stored).
      await node.pinChunk(id, bytes)
    }
  })
  try {
    const entries = await listTree(node, ctx, reference, path, mode, report)
    await readFiles(node, ctx, reference, entries, mode, report)
  } finally {
    recorder.restore()
  }
  if (mode === 'unpin') {
    for (const [hex, id] of seen) {
      if (!localBefore.has(hex)) { report.unchanged++; continue }
      await node.unpinChunk(id)
    }
  }
  return report
}

async function listTree (node: TornetNode, ctx: CliContext, reference: string, path: string, mode: 'pin' | 'unpin', report: PinReport): Promise<TreeEntry[]> {
  const line = new ProgressLine(ctx.stderr, ctx.now)
  const entries: TreeEntry[] = []
  try {
    for await (const e of walkTree(node.content, reference, path, { signal: ctx.signal })) {
      entries.push(e)
      line.update(`listing: ${entries.length} entries`)
    }
  } catch (err) {
    if (mode === 'pin' || ctx.signal.aborted || !isTornetError(err) || entries.length === 0) throw err
    report.unreadable++ // part of the tree is not here: unpin what was reached
  } finally {
    line.end()
  }
  return entries
}

async function readFiles (node: TornetNode, ctx: CliContext, reference: string, entries: TreeEntry[], mode: 'pin' | 'unpin', report: PinReport): Promise<void> {
  const files = entries.filter(e => e.kind === 'file')
  const bar = new ProgressBar(ctx.stderr, ctx.now, mode === 'pin' ? 'pinning' : 'unpinning', {
    totalBytes: files.reduce((n, e) => n + e.size, 0),
    totalFiles: files.length
  })
  try {
    for (const f of files) {
      try {
        for await (const b of node.content.read(reference, f.path, undefined, ctx.signal, { transient: true })) bar.addBytes(b.length)
      } catch (err) {
        if (mode === 'pin' || ctx.signal.aborted || !isTornetError(err)) throw err
        report.unreadable++
      }
      bar.addFile()
    }
  } finally {
    bar.end()
  }
}

export function describePinReport (mode: 'pin' | 'unpin', r: PinReport): string {
  const base = `${r.chunks} chunk${r.chunks === 1 ? '' : 's'} (${formatBytes(r.bytes)})`
  if (mode === 'pin') {
    return `pinned ${base}: ${r.unchanged} already pinned, ${r.fetched} fetched from the network`
  }
  return `unpinned ${base}: ${r.chunks - r.unchanged} moved to the cache, ${r.unchanged} were not pinned` +
    (r.unreadable > 0 ? `; ${r.unreadable} entr${r.unreadable === 1 ? 'y' : 'ies'} could not be read from the store and were skipped` : '')
}
