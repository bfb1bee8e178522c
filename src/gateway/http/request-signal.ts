/**
 * The AbortSignal of one request (aborts when the client goes away or the
 * gateway closes), made only when something asks for it. A page answered
 * from memory never waits, so most requests need no controller and no
 * listeners on the response or on the gateway's lifetime signal.
 */
import type { ServerResponse } from 'node:http'
import { GATEWAY_ERRORS, gatewayError } from '../errors.js'

export class RequestSignal {
  private controller: AbortController | undefined

  constructor (private readonly res: ServerResponse, private readonly lifetime: AbortSignal) {}

  get signal (): AbortSignal {
    this.controller ??= this.create()
    return this.controller.signal
  }

  /** Whether the signal is (or, made now, would be) aborted; makes nothing. */
  get aborted (): boolean {
    if (this.controller !== undefined) return this.controller.signal.aborted
    return this.gone()
  }

  private gone (): boolean {
    // destroyed without having finished: the client closed the connection first.
    return this.lifetime.aborted || (this.res.destroyed && !this.res.writableFinished)
  }

  private create (): AbortController {
    const controller = new AbortController()
    const { res, lifetime } = this
    const abort = (): void => controller.abort(gatewayError(GATEWAY_ERRORS.badRequest, 'The client went away.'))
    if (this.gone()) {
      abort()
      return controller
    }
    if (res.destroyed) return controller // finished and closed already: nothing left to abort
    lifetime.addEventListener('abort', abort, { once: true })
    res.once('close', () => {
      lifetime.removeEventListener('abort', abort)
      if (!res.writableFinished) abort()
    })
    return controller
  }
}
