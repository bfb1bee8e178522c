import { TornetError } from '../node/index.js'

export const CliErrorCode = {
  /** The command line itself is wrong: exit 2 and point at --help. */
  USAGE: 'CLI_USAGE'
} as const

export function usageError (message: string): TornetError {
  return new TornetError(CliErrorCode.USAGE, message)
}

/** Node's util.parseArgs throws TypeErrors with these codes for unknown or malformed flags. */
export function isParseArgsError (err: unknown): err is Error & { code: string } {
  const code = (err as { code?: unknown } | undefined)?.code
  return err instanceof Error && typeof code === 'string' && code.startsWith('ERR_PARSE_ARGS_')
}
