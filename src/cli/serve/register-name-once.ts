import { isTornetError, type TornetNode } from '../../node/index.js'

type NameTarget = Parameters<TornetNode['names']['register']>[1]

/**
 * Registers NAME.tor-net for the demo unless this node already holds it with
 * the same target: a restarted demo does not mine again.
 */
export async function registerNameOnce (node: TornetNode, name: string, target: NameTarget, signal?: AbortSignal): Promise<void> {
  try {
    const current = await node.names.lookup(name, { signal })
    if (current.owner.equals(node.identity.publicKey) && current.target.kind === target.kind && current.target.value.equals(target.value)) return
  } catch (err) {
    if (!isTornetError(err, 'NAME_NOT_FOUND') && !isTornetError(err, 'NAME_EXPIRED')) throw err
  }
  await node.names.register(name, target, { signal })
}
