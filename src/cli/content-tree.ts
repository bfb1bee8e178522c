import type { TornetNode } from '../node/index.js'
import { CommandErrorCode, commandError } from './command-errors.js'

/**
 * Walks published content depth-first (a directory before its children, children in the
 * directory's name order), for `tornet get` of a directory and `tornet pin`. Names come from
 * the network, so each is checked again before it becomes a local path, and the walk is
 * bounded: a tree of millions of entries is refused rather than held in memory.
 */
export interface TreeEntry {
  /** Relative to the walk's root ('' for the root itself). */
  rel: string
  /** Path inside the content (what read/list take). */
  path: string
  kind: 'file' | 'directory'
  size: number
}

export const MAX_TREE_ENTRIES = 1_000_000

type Content = TornetNode['content']

export async function * walkTree (
  content: Content, reference: string, root: string, opts: { signal?: AbortSignal, maxEntries?: number } = {}
): AsyncIterable<TreeEntry> {
  const max = opts.maxEntries ?? MAX_TREE_ENTRIES
  const top = await content.stat(reference, root, opts.signal)
  if (top.kind === 'file') {
    yield { rel: '', path: root, kind: 'file', size: top.size }
    return
  }
  let seen = 1
  yield { rel: '', path: root, kind: 'directory', size: 0 }
  const stack: Array<{ rel: string, path: string }> = [{ rel: '', path: root }]
  while (stack.length > 0) {
    const dir = stack.pop() as { rel: string, path: string }
    const subdirs: Array<{ rel: string, path: string }> = []
    for await (const e of content.list(reference, dir.path, opts.signal)) {
      if (!isSafeName(e.name)) throw commandError(CommandErrorCode.NOT_FOUND, `the directory ${dir.path || '/'} holds an unusable name ${JSON.stringify(e.name)}: fetch the other entries one by one, or open it through the gateway`)
      if (++seen > max) throw commandError(CommandErrorCode.TOO_LARGE, `the tree has more than ${max} entries; fetch it a directory at a time`)
      const rel = dir.rel === '' ? e.name : `${dir.rel}/${e.name}`
      const path = dir.path === '' ? e.name : `${dir.path}/${e.name}`
      yield { rel, path, kind: e.kind, size: e.kind === 'file' ? e.size : 0 }
      if (e.kind === 'directory') subdirs.push({ rel, path })
    }
    // Reversed onto the stack, so directories are visited in name order.
    for (let i = subdirs.length - 1; i >= 0; i--) stack.push(subdirs[i])
  }
}

/** A name that is one path segment on every system we run on. */
export function isSafeName (name: string): boolean {
  return name.length > 0 && name !== '.' && name !== '..' && !name.includes('/') && !name.includes('\0')
}
