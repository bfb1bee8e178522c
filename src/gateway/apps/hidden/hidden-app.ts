/**
 * The hidden-service app: a `.tor-net` host whose target is a hidden service
 * (a registered name, or the service key's own host) is answered by proxying
 * the HTTP request over a stream through a joined circuit (HiddenPort) to
 * the service's local web server. Bodies stream both ways; the service's head
 * is bounded; every wait has a deadline, and each failure gets a page naming
 * it (descriptor not found, unreachable, timed out, bad response). A GET or
 * HEAD without a body whose circuit fails before any answer is tried once
 * more over new circuits (the "rebuild and retry an idempotent GET
 * once"); anything else is never sent twice.
 */
import type { IncomingMessage, OutgoingHttpHeaders, ServerResponse } from 'node:http'
import type { Duplex } from 'node:stream'
import { pipeline } from 'node:stream/promises'
import { withDeadline } from '../../abort.js'
import type { GatewayApp, GatewayRequestContext } from '../../app.js'
import { RESOLVE_ERRORS } from '../../../resolvers/types.js'
import { GATEWAY_ERRORS, gatewayError, tornetError } from '../../errors.js'
import { endToEnd } from '../../pass-through.js'
import type { HiddenPort } from '../../ports.js'
import type { Router } from '../../router.js'
import { exchangeOverStream, type ExchangeLimits } from './hidden-exchange.js'
import { hiddenFailure, isCircuitFailure } from './hidden-failure.js'

export interface HiddenLimits extends ExchangeLimits {
  /** Descriptor, rendezvous, introduction, joined circuit: the whole connect. */
  connectTimeoutMs: number
  /** No byte of the response body for this long ends it. */
  idleTimeoutMs: number
}

export const DEFAULT_HIDDEN_LIMITS: HiddenLimits = {
  connectTimeoutMs: 30_000,
  responseTimeoutMs: 30_000,
  idleTimeoutMs: 60_000,
  maxResponseHeaderBytes: 32 * 1024
}

export interface HiddenAppOptions {
  hidden: HiddenPort
  limits?: Partial<HiddenLimits>
}

const KEY_HEX = /^[0-9a-f]{64}$/
// Headers that would make the service wait for something we never send, or that only mean something to us.
const NOT_FORWARDED = ['expect', 'proxy-authorization', 'proxy-connection']

export function createHiddenApp (options: HiddenAppOptions): GatewayApp {
  const limits: HiddenLimits = { ...DEFAULT_HIDDEN_LIMITS, ...options.limits }
  const hidden = options.hidden

  /** Opens a stream within the deadline; a stream that arrives after we gave up is closed. */
  async function open (publicKey: Buffer, ctx: GatewayRequestContext): Promise<Duplex> {
    let gaveUp = false
    try {
      return await withDeadline(async signal => {
        const pending = hidden.connect(publicKey, { isolation: ctx.isolation, signal })
        pending.then(stream => { if (gaveUp) stream.destroy() }, () => {})
        return await pending
      }, ctx.signal, limits.connectTimeoutMs, 'Connecting to the hidden service')
    } catch (err) {
      gaveUp = true
      throw err
    }
  }

  return {
    name: 'hidden',
    matches: ctx => ctx.target.kind === 'hidden-service',
    async handle (req, res, ctx) {
      if (ctx.target.kind !== 'hidden-service') throw new Error('hidden app given another target')
      if (!KEY_HEX.test(ctx.target.publicKey)) {
        throw tornetError(RESOLVE_ERRORS.invalidRecord, `${ctx.host} names a hidden-service key that is not 32 bytes.`)
      }
      const publicKey = Buffer.from(ctx.target.publicKey, 'hex')
      const retryable = (req.method === 'GET' || req.method === 'HEAD') && !hasBody(req)
      const headers = forwardedHeaders(req, ctx)
      for (let attempt = 1; ; attempt++) {
        const mayRetry = retryable && attempt === 1
        let stream: Duplex
        try {
          stream = await open(publicKey, ctx)
        } catch (err) {
          if (ctx.signal.aborted) throw err
          if (mayRetry && isCircuitFailure(err)) {
            ctx.log('debug', 'hidden service connect failed; retrying once', { host: ctx.host, error: String(err) })
            continue
          }
          throw hiddenFailure(err, ctx.host, 'connect')
        }
        let answer: IncomingMessage
        try {
          answer = await exchangeOverStream(stream, {
            method: req.method ?? 'GET', path: ctx.pathname + ctx.search, headers, body: retryable ? undefined : req
          }, limits, ctx.signal)
        } catch (err) {
          stream.destroy()
          if (ctx.signal.aborted) throw err
          if (mayRetry && isCircuitFailure(err)) {
            ctx.log('debug', 'hidden service stream failed before an answer; retrying once', { host: ctx.host, error: String(err) })
            continue
          }
          throw hiddenFailure(err, ctx.host, 'exchange')
        }
        await relayResponse(answer, res, stream, limits.idleTimeoutMs)
        return
      }
    }
  }
}

/** Registers the app on a gateway's router (ahead of the built-in ones). */
export function installHidden (gateway: { router: Router }, options: HiddenAppOptions): GatewayApp {
  const app = createHiddenApp(options)
  gateway.router.register(app)
  return app
}

function hasBody (req: IncomingMessage): boolean {
  if (req.headers['transfer-encoding'] !== undefined) return true
  const length = req.headers['content-length']
  return length !== undefined && length !== '0'
}

function forwardedHeaders (req: IncomingMessage, ctx: GatewayRequestContext): OutgoingHttpHeaders {
  const headers: OutgoingHttpHeaders = endToEnd(req.headers)
  for (const name of NOT_FORWARDED) delete headers[name]
  // The address the client asked for, as the service's virtual host sees it (the request line is origin-form).
  headers.host = ctx.port === 80 ? ctx.host : `${ctx.host}:${ctx.port}`
  return headers
}

async function relayResponse (answer: IncomingMessage, res: ServerResponse, stream: Duplex, idleTimeoutMs: number): Promise<void> {
  res.writeHead(answer.statusCode ?? 502, endToEnd(answer.headers))
  let idle: NodeJS.Timeout | undefined
  const arm = (): void => {
    clearTimeout(idle)
    idle = setTimeout(() => answer.destroy(gatewayError(GATEWAY_ERRORS.hiddenTimeout, 'the hidden service stopped sending')), idleTimeoutMs)
  }
  answer.on('data', arm)
  arm()
  try {
    await pipeline(answer, res)
  } catch {
    res.destroy() // either side went away mid-body; the status is already sent
  } finally {
    clearTimeout(idle)
    stream.destroy()
  }
}
