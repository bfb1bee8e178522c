import { TunnelError, TunnelErrorCode } from './errors.js'
import { END_REASON, type EndReason } from './tunnel-api.js'

/**
 * END reasons as errors a caller can act on: a TunnelError carrying the
 * wire reason, so `withRebuild` (and the gateway) can tell "a hop failed,
 * rebuild and retry once" from "the service is not there".
 */
export type ReasonedError = TunnelError & { reason: EndReason }

const NAMES = Object.fromEntries(Object.entries(END_REASON).map(([k, v]) => [v, k])) as Record<number, string>

export function reasonName (reason: EndReason): string { return NAMES[reason] ?? `reason ${String(reason)}` }

export function circuitClosedError (reason: EndReason, what = 'the circuit'): ReasonedError {
  const advice = reason === END_REASON.hopFailed || reason === END_REASON.protocol || reason === END_REASON.shutdown || reason === END_REASON.timeout
    ? 'build a new circuit and retry (an idempotent request once)'
    : reason === END_REASON.limit ? 'back off and retry later' : 'check the target'
  const err = new TunnelError(TunnelErrorCode.CIRCUIT_CLOSED, `${what} closed (${reasonName(reason)}): ${advice}`) as ReasonedError
  err.reason = reason
  return err
}

export function streamClosedError (reason: EndReason, service: string): ReasonedError {
  const code = reason === END_REASON.noService ? TunnelErrorCode.NO_SUCH_SERVICE : TunnelErrorCode.STREAM_CLOSED
  const err = new TunnelError(code, reason === END_REASON.noService
    ? `the last hop offers no service "${service}": check the name, or build the circuit to a relay that runs it`
    : `the stream to "${service}" was ended by the far side (${reasonName(reason)})`) as ReasonedError
  err.reason = reason
  return err
}

/** The END reason an error carries, when it is one of ours. */
export function reasonOf (err: unknown): EndReason | undefined {
  const r = (err as { reason?: unknown } | undefined)?.reason
  return typeof r === 'number' && r in NAMES ? r as EndReason : undefined
}

/** Whether an operation that failed with `err` may succeed on a freshly built circuit. */
export function worthRebuilding (err: unknown): boolean {
  const r = reasonOf(err)
  if (r !== undefined) return r === END_REASON.hopFailed || r === END_REASON.protocol || r === END_REASON.shutdown || r === END_REASON.timeout
  return err instanceof TunnelError && (err.code === TunnelErrorCode.EXTEND_FAILED || err.code === TunnelErrorCode.TIMEOUT || err.code === TunnelErrorCode.BAD_CELL)
}
