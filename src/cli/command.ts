/**
 * The contract between the dispatcher (run-cli.ts) and the sub-commands (commands/*.ts).
 * A command gets its own arguments (command words and global options already removed) and a
 * context carrying every bit of I/O it may use, so tests can run it in-process with captured
 * output and a temporary data directory.
 */

import type { ChainParams } from '../resolvers/namecoin/index.js'

export interface OutputSink {
  write: (text: string) => unknown
  /** True for a terminal: progress may then be rewritten in place with \r. */
  readonly isTTY?: boolean
}

export interface CliContext {
  stdout: OutputSink
  stderr: OutputSink
  env: NodeJS.ProcessEnv
  /** Absolute data directory: --data-dir, else $TORNET_HOME, else ~/.tornet. */
  dataDir: string
  /** Fires on Ctrl-C; long work must stop when it does. */
  signal: AbortSignal
  /** Milliseconds clock, used to pace progress output; injectable for tests. */
  now: () => number
  /**
   * Peers from --bootstrap or $TORNET_BOOTSTRAP, for commands that start a node (they replace
   * config.json's "bootstrap" for this run); undefined when neither gives any.
   */
  bootstrap?: string[]
  /**
   * The Namecoin network and checkpoint .bit answers are proven against; default Namecoin mainnet
   * with the shipped checkpoint. Tests inject their constructed test chain here.
   */
  namecoinChain?: ChainParams
}

export interface Command {
  /** The words after `tornet`, space separated: "id new". */
  name: string
  /** One line for `tornet --help`. */
  summary: string
  /** The command runs a node that joins the network: it takes --bootstrap (refused elsewhere). */
  joinsNetwork?: boolean
  /** The full text of `tornet <name> --help`. */
  usage: string
  /** Resolves with the exit code (void = 0). Throws TornetError for failures the user can fix. */
  run: (argv: string[], ctx: CliContext) => Promise<number | void>
}
