import { CodeOf, layerErrorClass } from '../../errors.js'

/**
 * Stable codes of the key/value store. A replica's refusal travels as a
 * one-byte reason (see messages.ts) and reaches the caller as one of these.
 */
export const KvErrorCode = {
  /** The signature does not verify under the record's namespace key. */
  BAD_SIGNATURE: 'KV_BAD_SIGNATURE',
  /** The record's expiry is not in the future. */
  EXPIRED: 'KV_EXPIRED',
  /** Value over 1024 bytes or key over 256 bytes (or an empty key). */
  TOO_LARGE: 'KV_TOO_LARGE',
  /** A record with a higher (sequence, expiry, hash) is already held. */
  STALE_SEQUENCE: 'KV_STALE_SEQUENCE',
  /** Bytes that do not decode as a record or a kv message. */
  MALFORMED: 'KV_MALFORMED',
  /** An expiry further ahead than the longest lifetime a replica keeps. */
  TTL_TOO_LONG: 'KV_TTL_TOO_LONG',
  /** The replica's table is full. */
  STORE_FULL: 'KV_STORE_FULL',
  /** This node is not among the replicas of the record's location (with a margin for churn): stored elsewhere. */
  NOT_REPLICA: 'KV_NOT_REPLICA',
  /** The sending peer has used its quota of new records (per hour, or held at once). */
  OVER_QUOTA: 'KV_OVER_QUOTA',
  /** A put that no replica accepted or could be reached for. */
  NOT_STORED: 'KV_NOT_STORED',
  /** Bad arguments from the local caller (not from the network). */
  INVALID_ARGUMENT: 'KV_INVALID_ARGUMENT',
  /** The service was used before start() or after stop(). */
  NOT_RUNNING: 'KV_NOT_RUNNING'
} as const

export type KvErrorCodeValue = CodeOf<typeof KvErrorCode>

export const KvError = layerErrorClass<KvErrorCodeValue>('KvError')
export type KvError = InstanceType<typeof KvError>
