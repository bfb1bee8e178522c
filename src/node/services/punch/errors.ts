import { type CodeOf, layerErrorClass } from '../../errors.js'

/** Stable codes of the hole-punching service. */
export const PunchErrorCode = {
  /** Bytes that do not decode as a punch message, or a message of the wrong kind for its direction. */
  MALFORMED: 'PUNCH_MALFORMED',
  /** No introducer could tell the target (none connected to it, all refused or unreachable): try a relay. */
  NO_INTRODUCER: 'PUNCH_NO_INTRODUCER',
  /** The introducer told the target, but no session came up on the punched path within the retries: try a relay. */
  FAILED: 'PUNCH_FAILED'
} as const

export type PunchErrorCodeValue = CodeOf<typeof PunchErrorCode>

export const PunchError = layerErrorClass<PunchErrorCodeValue>('PunchError')
export type PunchError = InstanceType<typeof PunchError>
