/**
 * One HTTP/1.1 exchange over a stream to a hidden service: node's HTTP client
 * on the Duplex the circuit gives (createConnection), so the request and the
 * response stream both ways with backpressure, and the service's head is
 * parsed with node's bounds. One request per stream ("Connection: close"):
 * the stream is the circuit's, not a socket an agent could keep.
 */
import { request as httpRequest, type IncomingMessage, type OutgoingHttpHeaders } from 'node:http'
import type { Duplex, Readable } from 'node:stream'
import { GATEWAY_ERRORS, gatewayError } from '../../errors.js'

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

/** Sends `request` on `stream`; resolves with the response, whose body is still to be read. */
export function exchangeOverStream (stream: Duplex, request: ExchangeRequest, limits: ExchangeLimits,
  signal: AbortSignal): Promise<IncomingMessage> {
  return new Promise((resolve, reject) => {
    const upstream = httpRequest({
      createConnection: () => stream as never, // node's client reads and writes any Duplex
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
      resolve(response)
    })
    upstream.once('error', err => {
      clearTimeout(timer)
      stream.destroy()
      reject(err)
    })
    if (request.body === undefined) {
      upstream.end()
    } else {
      request.body.pipe(upstream)
    }
  })
}
