/**
 * Bounds how long a request body may take. Without this, a client that
 * sends one byte of body every two minutes resets the idle timeout forever
 * and holds a connection slot (and whatever the route holds: an upload
 * spool, a parser) for as long as it likes.
 *
 * Two rules, checked every `rateWindowMs` while the body is incomplete:
 * - a deadline from the start of the request (the gateway's default, or the
 *   route's own: an upload may take longer than a form post);
 * - a minimum rate: fewer than minBytesPerSecond × window bytes read from
 *   the socket during a window closes the connection. A window in which
 *   the gateway itself was not reading (the app applying backpressure, the
 *   socket paused) does not count against the client.
 * Either way the client gets a 408 (when nothing of the response was sent
 * yet) and the connection closes.
 */
import type { IncomingMessage, ServerResponse } from 'node:http'
import type { Socket } from 'node:net'
import { rawErrorResponse } from '../error-page.js'
import { GATEWAY_ERRORS, gatewayError } from '../errors.js'

export interface BodyLimits {
  bodyTimeoutMs: number // 0: no deadline (the rate rule still applies)
  minBodyBytesPerSecond: number // 0: no rate rule
  bodyRateWindowMs: number
}

// After the 408 is handed to the socket, a client that does not read it does not keep the slot.
const CLOSE_GRACE_MS = 1_000

export class BodyGuard {
  private readonly timer: NodeJS.Timeout
  private readonly started = Date.now()
  private deadlineMs: number
  private lastBytes: number

  private constructor (private readonly req: IncomingMessage, private readonly res: ServerResponse,
    private readonly limits: BodyLimits, private readonly gateway: () => string) {
    this.deadlineMs = limits.bodyTimeoutMs
    this.lastBytes = req.socket.bytesRead
    this.timer = setInterval(() => this.check(), limits.bodyRateWindowMs)
    this.timer.unref()
    const stop = (): void => this.stop()
    req.once('end', stop)
    req.once('close', stop)
    res.once('close', stop)
  }

  /** Starts watching `req`'s body; undefined when it has none or the limits are off. */
  static watch (req: IncomingMessage, res: ServerResponse, limits: BodyLimits, gateway: () => string): BodyGuard | undefined {
    if (req.complete || !hasBody(req)) return undefined
    if (limits.bodyTimeoutMs <= 0 && limits.minBodyBytesPerSecond <= 0) return undefined
    return new BodyGuard(req, res, limits, gateway)
  }

  /** A route's own deadline for its body (from the start of the request); 0 lifts it. */
  setDeadline (ms: number): void {
    this.deadlineMs = ms
  }

  stop (): void {
    clearInterval(this.timer)
  }

  private check (): void {
    const { req } = this
    if (req.complete || req.destroyed) {
      this.stop()
      return
    }
    if (this.deadlineMs > 0 && Date.now() - this.started >= this.deadlineMs) {
      this.fail(`The request body did not arrive within ${Math.round(this.deadlineMs / 1000)} s.`)
      return
    }
    const socket = req.socket
    const bytes = socket.bytesRead
    const read = bytes - this.lastBytes
    this.lastBytes = bytes
    if (this.limits.minBodyBytesPerSecond <= 0 || this.gatewayHeldBack(socket)) return
    if (read < this.limits.minBodyBytesPerSecond * this.limits.bodyRateWindowMs / 1000) {
      this.fail(`The request body arrived slower than ${this.limits.minBodyBytesPerSecond} bytes per second.`)
    }
  }

  /** True when the app, not the client, is why no bytes came: node paused the socket for backpressure. */
  private gatewayHeldBack (socket: Socket): boolean {
    return socket.isPaused() || this.req.readableLength >= this.req.readableHighWaterMark
  }

  private fail (why: string): void {
    this.stop()
    const socket = this.req.socket
    if (socket.destroyed) return
    if (this.res.headersSent) {
      socket.destroy()
      return
    }
    const err = gatewayError(GATEWAY_ERRORS.bodyTimeout, why)
    socket.end(rawErrorResponse(err, { gateway: this.gateway() }), () => socket.destroy())
    setTimeout(() => socket.destroy(), CLOSE_GRACE_MS).unref()
  }
}

function hasBody (req: IncomingMessage): boolean {
  const length = req.headers['content-length']
  if (length !== undefined) return length !== '0'
  return req.headers['transfer-encoding'] !== undefined
}
