import { tornetError, type ErrorFactory } from '../node/index.js'

/**
 * Codes of the content and network commands (publish, get, ls, pin, kv, name, lookup…).
 * Tests match on these, never on the message text. STORE_LOCKED keeps the store's own code:
 * the CLI only rewrites its message to say what to do.
 */
export const CommandErrorCode = {
  /** No peer answered and the command needs the network. */
  NO_PEERS: 'CLI_NO_PEERS',
  /** Another process (usually `tornet start`) holds the data directory's store. */
  STORE_LOCKED: 'STORE_LOCKED',
  /** A local file or directory named on the command line does not exist. */
  NO_SUCH_FILE: 'CLI_NO_SUCH_FILE',
  /** The output of `tornet get` exists already (and --force was not given). */
  OUTPUT_EXISTS: 'CLI_OUTPUT_EXISTS',
  /** A downloaded file does not hash to what the directory says (a damaged .part file). */
  CONTENT_MISMATCH: 'CLI_CONTENT_MISMATCH',
  /** A lookup (kv get, a name's target) found nothing usable. */
  NOT_FOUND: 'CLI_NOT_FOUND',
  /** A tree larger than the CLI walks in one go. */
  TOO_LARGE: 'CLI_TOO_LARGE',
  /** Ctrl-C: the work stopped part way. */
  INTERRUPTED: 'CLI_INTERRUPTED',
  /** A mail command in a data directory that has no mailbox yet (tornet mail new makes one). */
  NO_MAILBOX: 'CLI_NO_MAILBOX',
  /** A command that reads a running node (tornet circuits) found none at the gateway's address. */
  NO_RUNNING_NODE: 'CLI_NO_RUNNING_NODE'
} as const

export type CommandErrorCodeValue = typeof CommandErrorCode[keyof typeof CommandErrorCode]

export const commandError: ErrorFactory<CommandErrorCodeValue> = tornetError
