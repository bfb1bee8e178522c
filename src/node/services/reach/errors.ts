import { type CodeOf, layerErrorClass } from '../../errors.js'

/** Stable codes of the reachability service (dial-backs, the reachability check). */
export const ReachErrorCode = {
  /** Bytes that do not decode as a reach message. */
  MALFORMED: 'REACH_MALFORMED',
  /** The check was started after stop(). */
  NOT_RUNNING: 'REACH_NOT_RUNNING',
  /** The caller's AbortSignal fired. */
  ABORTED: 'REACH_ABORTED'
} as const

export type ReachErrorCodeValue = CodeOf<typeof ReachErrorCode>

export const ReachError = layerErrorClass<ReachErrorCodeValue>('ReachError')
export type ReachError = InstanceType<typeof ReachError>
