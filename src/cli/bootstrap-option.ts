import { parseEndpoint } from '../node/index.js'
import { cliError, CliErrorCode, usageError } from './errors.js'

/**
 * `--bootstrap HOST:PORT` (repeatable) and $TORNET_BOOTSTRAP ("HOST:PORT,HOST:PORT"): the peers a
 * node-starting command joins through, instead of config.json's "bootstrap" list, for this run.
 * The flag wins over the variable; both are checked here so the error names where a bad entry
 * came from. The peers remembered from earlier runs are tried as well, as always.
 */

export const BOOTSTRAP_ENV = 'TORNET_BOOTSTRAP'
// As many as config.json may list.
const MAX_PEERS = 256

export const BOOTSTRAP_HELP =
  '  --bootstrap HOST:PORT  a peer to join through, instead of "bootstrap" in config.json\n' +
  `                         (repeatable; also $${BOOTSTRAP_ENV}, comma-separated)\n`

/** The peers for this run, or undefined when neither the flag nor the variable gives any. */
export function bootstrapPeers (flags: readonly string[], env: NodeJS.ProcessEnv): string[] | undefined {
  if (flags.length > 0) return checked(flags, (bad) => usageError(
    `--bootstrap must be HOST:PORT or [IPv6]:PORT with a port from 1 to 65535, not "${bad}"`))
  const text = env[BOOTSTRAP_ENV]
  if (text === undefined || text.trim() === '') return undefined
  const entries = text.split(',').map(e => e.trim()).filter(e => e !== '')
  return checked(entries, (bad) => cliError(CliErrorCode.ENVIRONMENT,
    `$${BOOTSTRAP_ENV} must be a comma-separated list of HOST:PORT, but "${bad}" is not one. ` +
    `Fix it (e.g. ${BOOTSTRAP_ENV}=198.51.100.7:9151,203.0.113.5:9151) or unset it`))
}

function checked (entries: readonly string[], fail: (bad: string) => Error): string[] {
  if (entries.length > MAX_PEERS) throw fail(`${entries.length} peers (at most ${MAX_PEERS})`)
  for (const e of entries) if (parseEndpoint(e) === undefined) throw fail(e)
  return [...new Set(entries)]
}
