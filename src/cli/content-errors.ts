import { ContentErrorCode, isTornetError } from '../node/index.js'
import { CommandErrorCode, commandError } from './command-errors.js'
import type { NodeSession } from './node-session.js'

/**
 * Content commands run with the network optional, so that what is in the local store works
 * offline. When no peer answered and the content is not here, the reader's "unreachable" or
 * "timeout" would hide the real cause; say it plainly instead.
 */
export async function offlineOr<T> (session: NodeSession, fn: () => Promise<T>): Promise<T> {
  try {
    return await fn()
  } catch (err) {
    if (!session.online && (isTornetError(err, ContentErrorCode.unreachable) || isTornetError(err, ContentErrorCode.timeout))) {
      throw commandError(CommandErrorCode.NO_PEERS,
        'the content is not in the local store and no peer answered. Add reachable peers to "bootstrap" in config.json, ' +
        'or run `tornet start --bootstrap HOST:PORT` once so this node remembers peers', err)
    }
    throw err
  }
}
