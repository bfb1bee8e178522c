import type { NameSourceContext } from '../resolvers/namecoin/index.js'
import type { CliContext } from './command.js'
import { headerSyncLine } from './serve/header-sync-line.js'

/**
 * What a one-shot command that resolves .bit names gives the Namecoin backend: the data
 * directory (TLS pins and verified headers persist there, shared with `tornet start`), the chain
 * to prove against, and the header sync's progress line on stderr. A command waits for the whole
 * sync (Ctrl-C stops it; what was verified is kept), unlike a gateway page.
 */
export function namecoinContextOf (ctx: CliContext): NameSourceContext {
  return {
    dataDir: ctx.dataDir,
    chainParams: ctx.namecoinChain,
    onHeaderProgress: headerSyncLine(ctx.stderr, ctx.now),
    headerSyncWaitMs: Number.POSITIVE_INFINITY
  }
}
