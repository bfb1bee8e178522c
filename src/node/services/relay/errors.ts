import { type CodeOf, layerErrorClass } from '../../errors.js'

/** Stable codes of the relay client (relay-client.ts). */
export const RelayErrorCode = {
  /** None of the relays named for the target carried a session to it (no stream, not its relay, or no answer in time). */
  NO_RELAY: 'RELAY_NO_RELAY',
  /** The caller's AbortSignal fired. */
  ABORTED: 'RELAY_ABORTED',
  /** Used after stop(). */
  STOPPED: 'RELAY_STOPPED'
} as const

export type RelayErrorCodeValue = CodeOf<typeof RelayErrorCode>

export const RelayError = layerErrorClass<RelayErrorCodeValue>('RelayError')
export type RelayError = InstanceType<typeof RelayError>
