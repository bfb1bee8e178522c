import { CodeOf, layerErrorClass, TornetError } from '../../errors.js'

/**
 * Stable codes of Tornet name registration. A replica's refusal travels as a
 * one-byte reason (see messages.ts) and reaches the caller as one of these.
 */
export const NameErrorCode = {
  /** Not a valid name: characters, label length, hyphens, more than one label. */
  INVALID: 'NAME_INVALID',
  /** A name kept for the gateway itself or that looks like a content reference. */
  RESERVED: 'NAME_RESERVED',
  /** Another owner's valid, unexpired registration wins over this one. */
  TAKEN: 'NAME_TAKEN',
  /** The registration (or the one a renewal extends) has expired. */
  EXPIRED: 'NAME_EXPIRED',
  /** The proof of work has fewer leading zero bits than this node requires. */
  POW_INSUFFICIENT: 'NAME_POW_INSUFFICIENT',
  /** A signature that does not verify under the owner key. */
  BAD_SIGNATURE: 'NAME_BAD_SIGNATURE',
  /** No registration for the name could be found. */
  NOT_FOUND: 'NAME_NOT_FOUND',
  /** Bytes that do not decode, or fields that break the format's rules (term, target size). */
  MALFORMED: 'NAME_MALFORMED',
  /** Created further in the future than the tolerated clock skew. */
  FROM_THE_FUTURE: 'NAME_FROM_THE_FUTURE',
  /** A renewal that does not follow from the one before it (hash, owner, times). */
  BROKEN_CHAIN: 'NAME_BROKEN_CHAIN',
  /** The replica holds as many names as it will. */
  STORE_FULL: 'NAME_STORE_FULL',
  /** This node is not among the replicas of the name's key (with a margin for churn): stored elsewhere. */
  NOT_REPLICA: 'NAME_NOT_REPLICA',
  /** The sending peer has used its quota of new names (per hour, or held at once). */
  OVER_QUOTA: 'NAME_OVER_QUOTA',
  /** No replica accepted a registration or could be reached. */
  NOT_STORED: 'NAME_NOT_STORED',
  /** Mining was stopped through its AbortSignal. */
  ABORTED: 'NAME_ABORTED',
  /** The service was used before start() or after stop(). */
  NOT_RUNNING: 'NAME_NOT_RUNNING'
} as const

export type NameErrorCodeValue = CodeOf<typeof NameErrorCode>

export const NameError = layerErrorClass<NameErrorCodeValue>('NameError')
export type NameError = InstanceType<typeof NameError>

const CODES: ReadonlySet<string> = new Set(Object.values(NameErrorCode))

/** The NAME_* code an error carries, or undefined for any other error. */
export function nameErrorCodeOf (err: unknown): NameErrorCodeValue | undefined {
  return err instanceof TornetError && CODES.has(err.code) ? err.code as NameErrorCodeValue : undefined
}
