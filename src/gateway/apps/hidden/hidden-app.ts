/**
 * The hidden-service app: a `.tor-net` host whose target is a hidden service
 * (a registered name, or the service key's own host) is answered by proxying
 * the HTTP request over a stream through a joined circuit (HiddenPort) to
 * the service's local web server. Bodies stream both ways; the service's head
 * is bounded; every wait has a deadline, and each failure gets a page naming
 * it (descriptor not found, unreachable, timed out, bad response). A GET or
 * HEAD without a body goes over a stream kept alive for the service and the
 * client's isolation tag (hidden-agent.ts), and when its circuit fails (or
 * the kept stream turns out closed) before any answer, it is tried once more
 * on a new stream over new circuits (the "rebuild and retry an
 * idempotent GET once"); anything else gets a stream of its own and is never
 * sent twice.
 */
import type { IncomingMessage, OutgoingHttpHeaders, ServerResponse } from 'node:http'
import type { Duplex } from 'node:stream'
import { pipeline } from 'node:stream/promises'
import type { GatewayApp, GatewayRequestContext } from '../../app.js'
import { RESOLVE_ERRORS } from '../../../resolvers/types.js'
import { GATEWAY_ERRORS, gatewayError, tornetError } from '../../errors.js'
import { endToEnd } from '../../pass-through.js'
import type { HiddenPort } from '../../ports.js'
import type { Router } from '../../router.js'
import { HiddenAgent, type HiddenTarget } from './hidden-agent.js'
import { exchange, type ExchangeLimits, type ExchangeVia } from './hidden-exchange.js'
import { hiddenFailure, isCircuitFailure } from './hidden-failure.js'

export interface HiddenLimits extends ExchangeLimits {
  /** Descriptor, rendezvous, introduction, joined circuit: the whole connect. */
  connectTimeoutMs: number
  /** No byte of the response body for this long ends it. */
  idleTimeoutMs: number
  /** A kept stream unused for this long is closed (with its circuits). */
  keepAliveMs: number
  /** Streams kept or in use at once per service and tag, and in all. */
  maxStreamsPerService: number
  maxStreams: number
}

export const DEFAULT_HIDDEN_LIMITS: HiddenLimits = {
  connectTimeoutMs: 30_000,
  responseTimeoutMs: 30_000,
  idleTimeoutMs: 60_000,
  maxResponseHeaderBytes: 32 * 1024,
  keepAliveMs: 15_000,
  maxStreamsPerService: 6,
  maxStreams: 64
}

export interface HiddenAppOptions {
  hidden: HiddenPort
  limits?: Partial<HiddenLimits>
}

const KEY_HEX = /^[0-9a-f]{64}$/
// Headers that would make the service wait for something we never send, or that only mean something to us.
const NOT_FORWARDED = ['expect', 'proxy-authorization', 'proxy-connection']

export interface HiddenApp extends GatewayApp {
  /** Closes the streams, kept and in use (and so their circuits); later requests open new ones. */
  close: () => void
}

export function createHiddenApp (options: HiddenAppOptions): HiddenApp {
  const limits: HiddenLimits = { ...DEFAULT_HIDDEN_LIMITS, ...options.limits }
  const agent = new HiddenAgent({
    connect: async (key, o) => await options.hidden.connect(key, o),
    connectTimeoutMs: limits.connectTimeoutMs,
    idleMs: limits.keepAliveMs,
    maxPerService: limits.maxStreamsPerService,
    maxTotal: limits.maxStreams
  })

  return {
    name: 'hidden',
    matches: ctx => ctx.target.kind === 'hidden-service',
    close: () => agent.destroy(),
    async handle (req, res, ctx) {
      if (ctx.target.kind !== 'hidden-service') throw new Error('hidden app given another target')
      if (!KEY_HEX.test(ctx.target.publicKey)) {
        throw tornetError(RESOLVE_ERRORS.invalidRecord, `${ctx.host} names a hidden-service key that is not 32 bytes.`)
      }
      const target: HiddenTarget = { publicKey: Buffer.from(ctx.target.publicKey, 'hex'), isolation: ctx.isolation }
      const retryable = (req.method === 'GET' || req.method === 'HEAD') && !hasBody(req)
      const headers = forwardedHeaders(req, ctx)
      for (let attempt = 1; ; attempt++) {
        const mayRetry = retryable && attempt === 1
        let via: ExchangeVia
        if (mayRetry) {
          via = { agent, target }
        } else {
          try {
            via = { stream: await agent.openStream(target) }
          } catch (err) {
            if (ctx.signal.aborted) throw err
            throw hiddenFailure(err, ctx.host, 'connect')
          }
        }
        let answer: IncomingMessage
        try {
          answer = (await exchange(via, {
            method: req.method ?? 'GET', path: ctx.pathname + ctx.search, headers, body: retryable ? undefined : req
          }, limits, ctx.signal)).response
        } catch (err) {
          if (ctx.signal.aborted) throw err
          const stage = agent.connectErrors.has(err as object) ? 'connect' : 'exchange'
          const staleStream = stage === 'exchange' && (err as { reusedStream?: boolean }).reusedStream === true
          if (mayRetry && (isCircuitFailure(err) || staleStream)) {
            ctx.log('debug', 'hidden service stream failed before an answer; retrying once on a new one', { host: ctx.host, error: String(err) })
            continue
          }
          throw hiddenFailure(err, ctx.host, stage)
        }
        await relayResponse(answer, res, limits.idleTimeoutMs, 'stream' in via ? via.stream : undefined)
        return
      }
    }
  }
}

/** Registers the app on a gateway's router (ahead of the built-in ones). */
export function installHidden (gateway: { router: Router }, options: HiddenAppOptions): HiddenApp {
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

/** Sends the service's answer on; `own` is the request's own stream, closed after it (a kept one goes back to the agent). */
async function relayResponse (answer: IncomingMessage, res: ServerResponse, idleTimeoutMs: number, own: Duplex | undefined): Promise<void> {
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
    res.destroy() // either side went away mid-body; the status is already sent (pipeline closed the answer and its stream)
  } finally {
    clearTimeout(idle)
    own?.destroy()
  }
}
