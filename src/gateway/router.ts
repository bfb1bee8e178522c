/**
 * The app table. Apps registered by the node (webmail, radio, dashboard)
 * are asked first, in registration order; the built-in ones (the gateway's
 * own pages, sites, pass-through) last. First match wins.
 */
import type { IncomingMessage } from 'node:http'
import type { GatewayApp, GatewayRequestContext } from './app.js'

export class Router {
  private readonly added: GatewayApp[] = []
  private readonly builtIn: GatewayApp[]

  constructor (builtIn: GatewayApp[] = []) {
    this.builtIn = [...builtIn]
  }

  /** Adds an app ahead of the built-in ones; an app with the same name is replaced. */
  register (app: GatewayApp): void {
    const index = this.added.findIndex(a => a.name === app.name)
    if (index >= 0) this.added[index] = app
    else this.added.push(app)
  }

  unregister (name: string): boolean {
    const index = this.added.findIndex(a => a.name === name)
    if (index < 0) return false
    this.added.splice(index, 1)
    return true
  }

  get apps (): readonly GatewayApp[] {
    return [...this.added, ...this.builtIn]
  }

  find (ctx: GatewayRequestContext, req: IncomingMessage): GatewayApp | undefined {
    // Plain loops: this runs on every request, and closures for find() would be made each time.
    for (const app of this.added) if (app.matches(ctx, req)) return app
    for (const app of this.builtIn) if (app.matches(ctx, req)) return app
    return undefined
  }
}
