import type { TornetNode } from '../node/index.js'
import { CommandErrorCode, commandError } from './command-errors.js'

type Source = TornetNode['chunks']['source']

/**
 * Sees every chunk the node's content reader fetches (from the store or the network), by
 * wrapping the chunk source the content library reads through, until `restore()` is called.
 * This is how `tornet pin` learns which chunks a tree uses: the node does not expose a walk
 * over chunk ids, but reading every file and directory of a tree touches each of its chunks
 * at least once (a fresh node has nothing in its plaintext caches).
 *
 * With `localOnly`, chunks that are not in the store fail instead of being fetched (unpin
 * must not download what it is about to let go).
 *
 * The source's `open` (download and decrypt in one job, which hands back no ciphertext) is
 * set aside meanwhile, so that every read goes through `get` and is seen.
 */
export interface RecorderOptions {
  localOnly?: boolean
  onChunk: (id: Buffer, bytes: Buffer) => Promise<void> | void
}

export function recordChunks (node: TornetNode, opts: RecorderOptions): { restore: () => void } {
  const source: Source = node.chunks.source
  const original = source.get
  const open = source.open
  source.open = undefined
  source.get = async (id, o) => {
    if (opts.localOnly === true && !node.hasChunk(id)) {
      throw commandError(CommandErrorCode.NOT_FOUND, `chunk ${id.toString('hex').slice(0, 16)}… is not in the local store`)
    }
    const bytes = await original(id, o)
    await opts.onChunk(id, bytes)
    return bytes
  }
  return { restore: () => { source.get = original; source.open = open } }
}
