import { isTornetError, tornetError, type ErrorFactory, type TornetError } from '../node/index.js'
import { RESOLVE_ERRORS } from './types.js'
import { NAMECOIN_PROOF_ERRORS } from './namecoin/spv/proof-errors.js'

/**
 * Errors of the resolver layer. Resolution failures carry one of the stable
 * RESOLVE_ERRORS codes from types.ts (the gateway maps them to HTTP/SOCKS
 * replies); a bad resolver configuration is refused at start-up with
 * RESOLVER_CONFIG_INVALID. Tests match on codes, never on message text.
 */
export const ResolverErrorCode = {
  ...RESOLVE_ERRORS,
  /** A Namecoin answer failed SPV verification; the code names which proof. */
  ...NAMECOIN_PROOF_ERRORS,
  /** The Namecoin header chain is still being verified up to the servers' tip: not an answer yet, try again later. */
  headersSyncing: 'NAMECOIN_HEADERS_SYNCING',
  /** The resolver configuration (backend, URLs, server list) cannot be used. */
  configInvalid: 'RESOLVER_CONFIG_INVALID'
} as const

export type ResolverErrorCode = typeof ResolverErrorCode[keyof typeof ResolverErrorCode]

export const resolveError: ErrorFactory<ResolverErrorCode> = tornetError

export function isResolveError (err: unknown, code?: ResolverErrorCode): err is TornetError {
  return isTornetError(err, code)
}
