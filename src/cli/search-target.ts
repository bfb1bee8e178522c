import type { TornetNode } from '../node/index.js'
import { parseContentAddress, resolveContentAddress } from './content-address.js'
import { usageError } from './errors.js'

/** REF or NAME (as `tornet get` takes them) → the reference labels a tag names; a path inside content is refused. */
export async function tagTarget (node: TornetNode, text: string, signal: AbortSignal): Promise<string> {
  const address = parseContentAddress(text)
  const resolved = await resolveContentAddress(node, address, { signal })
  if (resolved.path !== '') throw usageError(`'${text}': a tag names a whole reference or name, not a path inside it`)
  return resolved.reference
}
