import { setMaxListeners } from 'node:events'

/**
 * Whether the chunk service runs, and the signal its work in flight listens to: stop aborts
 * it (every running download and announcement ends), a later start gets a fresh one.
 */
export class ServiceLifetime {
  private controller = ServiceLifetime.controller()
  private on = false

  get running (): boolean { return this.on }
  get signal (): AbortSignal { return this.controller.signal }

  /** True when this started the service (false: it ran already). */
  begin (): boolean {
    if (this.on) return false
    if (this.controller.signal.aborted) this.controller = ServiceLifetime.controller()
    this.on = true
    return true
  }

  /** True when this stopped the service (false: it was not running). */
  end (reason: Error): boolean {
    if (!this.on) return false
    this.on = false
    this.controller.abort(reason)
    return true
  }

  private static controller (): AbortController {
    const c = new AbortController()
    setMaxListeners(0, c.signal) // every running download listens to it
    return c
  }
}
