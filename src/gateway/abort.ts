/** Deadlines and cancellation for calls into the layers below, which may not honour a signal. */
import { GATEWAY_ERRORS, gatewayError } from './errors.js'

/** Settles with `promise`, or rejects as soon as `signal` aborts (even if the promise never settles). */
export function raceSignal<T> (promise: Promise<T>, signal: AbortSignal): Promise<T> {
  if (signal.aborted) {
    promise.catch(() => {}) // it may still reject later; nobody is listening
    return Promise.reject(signal.reason)
  }
  return new Promise<T>((resolve, reject) => {
    const onAbort = (): void => reject(signal.reason)
    signal.addEventListener('abort', onAbort, { once: true })
    promise.then(
      value => { signal.removeEventListener('abort', onAbort); resolve(value) },
      (err: unknown) => { signal.removeEventListener('abort', onAbort); reject(err) }
    )
  })
}

/**
 * Runs `run` with a signal that aborts when `parent` does or after `ms`; our
 * own deadline surfaces as GATEWAY_TIMEOUT so the user gets a 504 page.
 */
export async function withDeadline<T> (run: (signal: AbortSignal) => Promise<T>, parent: AbortSignal,
  ms: number, what: string): Promise<T> {
  // A controller of our own rather than AbortSignal.any(): the parent may be the gateway's
  // lifetime signal, and every call must leave nothing attached to it afterwards.
  const controller = new AbortController()
  let timedOut = false
  const onParentAbort = (): void => controller.abort(parent.reason)
  if (parent.aborted) controller.abort(parent.reason)
  else parent.addEventListener('abort', onParentAbort, { once: true })
  const timer = setTimeout(() => {
    timedOut = true
    controller.abort(gatewayError(GATEWAY_ERRORS.timeout, `${what} did not finish within ${Math.round(ms / 1000)} s.`))
  }, ms)
  try {
    return await raceSignal(run(controller.signal), controller.signal)
  } catch (err) {
    if (timedOut && !parent.aborted) throw controller.signal.reason
    throw err
  } finally {
    clearTimeout(timer)
    parent.removeEventListener('abort', onParentAbort)
  }
}
