import { TornetError, tornetError, type ErrorFactory } from '../node/index.js'

export const CliErrorCode = {
  /** The command line itself is wrong: exit 2 and point at --help. */
  USAGE: 'CLI_USAGE',
  /** An environment variable the CLI reads ($TORNET_BOOTSTRAP) holds something it cannot use. */
  ENVIRONMENT: 'CLI_ENVIRONMENT'
} as const

export type CliErrorCodeValue = typeof CliErrorCode[keyof typeof CliErrorCode]

export const cliError: ErrorFactory<CliErrorCodeValue> = tornetError

export function usageError (message: string): TornetError {
  return new TornetError(CliErrorCode.USAGE, message)
}

/** Node's util.parseArgs throws TypeErrors with these codes for unknown or malformed flags. */
export function isParseArgsError (err: unknown): err is Error & { code: string } {
  const code = (err as { code?: unknown } | undefined)?.code
  return err instanceof Error && typeof code === 'string' && code.startsWith('ERR_PARSE_ARGS_')
}
