/**
 * What went wrong reaching a hidden service, as the gateway's own codes (so
 * the page and the SOCKS reply name it: descriptor not found, unreachable,
 * timed out, bad response), and whether an idempotent request may be tried
 * once more over new circuits.
 */
import { END_REASON, TunnelErrorCode, tunnelEndReasonOf } from '../../../node/index.js'
import { GATEWAY_ERRORS, errorCode, gatewayError } from '../../errors.js'

const T = TunnelErrorCode

/**
 * The circuit (not the service) failed: a hop went away, a cell failed authentication, the
 * stream was cut before any answer. A new connect builds new circuits, so one retry may work.
 */
const CIRCUIT_FAILURES: ReadonlySet<string> = new Set([
  T.CIRCUIT_CLOSED, T.STREAM_CLOSED, T.BAD_CELL, T.EXTEND_FAILED, T.HANDSHAKE_FAILED,
  'ECONNRESET', 'EPIPE', 'ERR_STREAM_PREMATURE_CLOSE', 'ERR_STREAM_DESTROYED'
])

/** END reasons that say a relay failed, not the service: a new circuit may work. */
const REBUILD_REASONS: ReadonlySet<number> = new Set([END_REASON.hopFailed, END_REASON.protocol, END_REASON.shutdown, END_REASON.timeout])

export function isCircuitFailure (err: unknown): boolean {
  const reason = tunnelEndReasonOf(err)
  // The far end's own reason wins: "refused" (the service's web server is down) is not worth a retry.
  if (reason !== undefined) return REBUILD_REASONS.has(reason)
  return CIRCUIT_FAILURES.has(errorCode(err) ?? '')
}

/** Where the failure happened: opening the stream, or the HTTP exchange over it. */
export type HiddenStage = 'connect' | 'exchange'

/** The error the client sees; `host` is the address asked for. */
export function hiddenFailure (err: unknown, host: string, stage: HiddenStage): Error {
  const code = errorCode(err) ?? ''
  const detail = err instanceof Error && err.message.length > 0 ? ` (${err.message})` : ''
  if (code in HIDDEN_CODES) return err as Error // already ours
  if (code === T.HS_NOT_FOUND) {
    return gatewayError(GATEWAY_ERRORS.hiddenNotFound, `No descriptor found for ${host}${detail}.`, err)
  }
  if (code === T.TIMEOUT || code === GATEWAY_ERRORS.timeout) {
    return gatewayError(GATEWAY_ERRORS.hiddenTimeout, stage === 'connect'
      ? `Connecting to ${host} timed out${detail}.`
      : `${host} did not answer in time${detail}.`, err)
  }
  if (code.startsWith('HPE_')) {
    return gatewayError(GATEWAY_ERRORS.hiddenBadResponse, `${host} answered with something that is not valid HTTP/1.1 (${code}).`, err)
  }
  if (code === T.NOT_RUNNING) {
    return gatewayError(GATEWAY_ERRORS.hiddenUnreachable, `This node's tunnels are not running, so ${host} cannot be reached; restart the node.`, err)
  }
  if (tunnelEndReasonOf(err) === END_REASON.refused) {
    return gatewayError(GATEWAY_ERRORS.hiddenUnreachable, `${host} is reachable, but its own web server refused the connection (it is down or busy); try again later.`, err)
  }
  if (code === T.NO_RELAYS) {
    return gatewayError(GATEWAY_ERRORS.hiddenUnreachable, `Not enough relays are known to build circuits to ${host}; wait until the node knows more peers (tornet peers).`, err)
  }
  return gatewayError(GATEWAY_ERRORS.hiddenUnreachable, stage === 'connect'
    ? `Could not reach ${host}${detail}.`
    : `The connection to ${host} ended before it answered${detail}.`, err)
}

const HIDDEN_CODES: Record<string, true> = {
  [GATEWAY_ERRORS.hiddenNotFound]: true,
  [GATEWAY_ERRORS.hiddenUnreachable]: true,
  [GATEWAY_ERRORS.hiddenTimeout]: true,
  [GATEWAY_ERRORS.hiddenBadResponse]: true
}
