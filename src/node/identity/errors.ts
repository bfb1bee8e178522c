import { tornetError, type ErrorFactory } from '../errors.js'

/** Stable codes of the identity module; tests and callers match on these, never on text. */
export const IdentityErrorCode = {
  /** identity.json exists but cannot be trusted (bad JSON, bad lengths, key/id/rank mismatch). */
  CORRUPT: 'IDENTITY_CORRUPT',
  /** identity.json may be read or written by the group or others (fix: chmod 600). */
  INSECURE: 'IDENTITY_INSECURE',
  /** A caller asked for an identity that is not there. */
  MISSING: 'IDENTITY_MISSING',
  /** A caller refused to replace an identity that is already there. */
  EXISTS: 'IDENTITY_EXISTS',
  /** Mining was stopped through its AbortSignal. */
  MINING_ABORTED: 'IDENTITY_MINING_ABORTED',
  /** A mining worker crashed or exited on its own. */
  MINING_FAILED: 'IDENTITY_MINING_FAILED',
  /** Bad arguments to the miner (rank, threads, keys). */
  INVALID_ARGUMENT: 'IDENTITY_INVALID_ARGUMENT'
} as const

export type IdentityErrorCode = typeof IdentityErrorCode[keyof typeof IdentityErrorCode]

export const identityError: ErrorFactory<IdentityErrorCode> = tornetError
