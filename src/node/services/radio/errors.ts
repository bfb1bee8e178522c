import { CodeOf, layerErrorClass } from '../../errors.js'

/** Stable codes of the radio service (stations, segments, relay trees). */
export const RadioErrorCode = {
  /** No relay carries the station (or no node answered for it). */
  NOT_FOUND: 'RADIO_NOT_FOUND',
  /** Bytes that do not decode as a segment or a radio message. */
  MALFORMED: 'RADIO_MALFORMED',
  /** A segment whose signature does not verify under its station key. */
  BAD_SIGNATURE: 'RADIO_BAD_SIGNATURE',
  /** A payload over its kind's bound (audio 16 KiB, text 1 KiB). */
  TOO_LARGE: 'RADIO_TOO_LARGE',
  /** A station key file with this label already exists. */
  KEY_EXISTS: 'RADIO_KEY_EXISTS',
  /** No station key file with this label. */
  KEY_MISSING: 'RADIO_KEY_MISSING',
  /** A station key file that cannot be trusted (bad JSON, key mismatch). */
  KEY_CORRUPT: 'RADIO_KEY_CORRUPT',
  /** A station key file the group or others may read or write (fix: chmod 600). */
  KEY_INSECURE: 'RADIO_KEY_INSECURE',
  /** Bad arguments from the local caller (label, codec, sizes). */
  INVALID_ARGUMENT: 'RADIO_INVALID_ARGUMENT',
  /** The service was used before start() or after stop(). */
  NOT_RUNNING: 'RADIO_NOT_RUNNING',
  /** The caller's AbortSignal fired. */
  ABORTED: 'RADIO_ABORTED'
} as const

export type RadioErrorCodeValue = CodeOf<typeof RadioErrorCode>

export const RadioError = layerErrorClass<RadioErrorCodeValue>('RadioError')
export type RadioError = InstanceType<typeof RadioError>
