/**
 * One HTTP/1.1 exchange over a stream to a hidden service: node's HTTP client
 * on the Duplex the circuit gives, so the request and the response stream
 * both ways with backpressure, and the service's head is parsed with node's
 * bounds. The stream is either one of the agent's (kept alive for the next
 * request of the same service and tag) or one of the request's own, closed
 * after it ("Connection: close").
 */
import { request as httpRequest, type IncomingMessage, type OutgoingHttpHeaders } from 'node:http'
import type { Duplex, Readable } from 'node:stream'
import { GATEWAY_ERRORS, gatewayError } from '../../errors.js'
import { HiddenAgent, type HiddenTarget } from './hidden-agent.js'

export interface ExchangeLimits {
  /** Largest response head the service may send (node's maxHeaderSize). */
  maxResponseHeaderBytes: number
  /** From the request's start until the response head is in. */
  responseTimeoutMs: number
}

export interface ExchangeRequest {
  method: string
  path: string
  headers: OutgoingHttpHeaders
  /** The client's body, piped as it arrives; undefined: none. */
  body?: Readable
}

export type ExchangeVia = { stream: Duplex } | { agent: HiddenAgent, target: HiddenTarget }

/**
 * Sends `request` over its own stream or the agent's; resolves with the response, whose
 * body is still to be read. `reused` says whether the agent's stream had served before
 * (a failure on it may be that the service closed it while idle).
 */
export function exchange (via: ExchangeVia, request: ExchangeRequest, limits: ExchangeLimits,
  signal: AbortSignal): Promise<{ response: IncomingMessage, reused: boolean }> {
  return new Promise((resolve, reject) => {
    const upstream = httpRequest({
      ...('stream' in via
        ? { createConnection: () => via.stream as never } // node's client reads and writes any Duplex
        : { agent: via.agent, ...HiddenAgent.optionsFor(via.target) }),
      method: request.method,
      path: request.path,
      headers: request.headers,
      maxHeaderSize: limits.maxResponseHeaderBytes,
      signal
    })
    const timer = setTimeout(() => {
      upstream.destroy(gatewayError(GATEWAY_ERRORS.timeout, `no answer within ${Math.round(limits.responseTimeoutMs / 1000)} s`))
    }, limits.responseTimeoutMs)
    upstream.once('response', response => {
      clearTimeout(timer)
      resolve({ response, reused: upstream.reusedSocket })
    })
    upstream.once('error', err => {
      clearTimeout(timer)
      upstream.socket?.destroy()
      reject(Object.assign(err, { reusedStream: upstream.reusedSocket }))
    })
    if (request.body === undefined) {
      upstream.end()
    } else {
      request.body.pipe(upstream)
    }
  })
}
