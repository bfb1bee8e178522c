/**
 * Pass-through to the ordinary internet, used only when it is switched on:
 * raw TCP for SOCKS and CONNECT tunnels, and forwarding for absolute-form
 * HTTP proxy requests.
 */
import { request as httpRequest, type IncomingMessage, type ServerResponse } from 'node:http'
import { connect, type LookupFunction, type Socket } from 'node:net'
import { pipeline } from 'node:stream/promises'
import { GATEWAY_ERRORS, errorCode, gatewayError } from './errors.js'

/** Opens a TCP connection, failing after `timeoutMs` or when `signal` aborts. */
export function connectDirect (host: string, port: number, timeoutMs: number, signal?: AbortSignal, lookup?: LookupFunction): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const socket = connect(lookup === undefined ? { host, port } : { host, port, lookup })
    const fail = (err: Error): void => {
      cleanup()
      socket.destroy()
      reject(err)
    }
    const onError = (err: Error): void => fail(err)
    const onAbort = (): void => fail(gatewayError(GATEWAY_ERRORS.upstreamFailed, 'The connection attempt was cancelled.'))
    const timer = setTimeout(() => fail(Object.assign(new Error(`connect to ${host}:${port} timed out`), { code: 'ETIMEDOUT' })), timeoutMs)
    const cleanup = (): void => {
      clearTimeout(timer)
      socket.off('error', onError)
      signal?.removeEventListener('abort', onAbort)
    }
    socket.once('error', onError)
    signal?.addEventListener('abort', onAbort, { once: true })
    socket.once('connect', () => {
      cleanup()
      resolve(socket)
    })
  })
}

/** Joins two sockets both ways; either side's end or error closes both. */
export function splice (client: Socket, upstream: Socket, early?: Uint8Array): void {
  const close = (): void => {
    client.destroy()
    upstream.destroy()
  }
  client.on('error', close)
  upstream.on('error', close)
  client.on('close', close)
  upstream.on('close', close)
  if (early !== undefined && early.length > 0) upstream.write(early)
  client.pipe(upstream)
  upstream.pipe(client)
  client.resume()
}

// Hop-by-hop headers (RFC 9110 §7.6.1) and the proxy's own: never forwarded.
const HOP_BY_HOP = new Set(['connection', 'keep-alive', 'proxy-connection', 'proxy-authorization',
  'proxy-authenticate', 'te', 'trailer', 'transfer-encoding', 'upgrade'])

/** The headers a proxy passes on: without hop-by-hop ones, those the Connection header names, or the proxy's own. */
export function endToEnd (headers: IncomingMessage['headers']): Record<string, string | string[]> {
  const listed = new Set(String(headers.connection ?? '').toLowerCase().split(',').map(s => s.trim()))
  const out: Record<string, string | string[]> = {}
  for (const [name, value] of Object.entries(headers)) {
    if (value === undefined || HOP_BY_HOP.has(name) || listed.has(name)) continue
    out[name] = value
  }
  return out
}

export interface ForwardTarget {
  connectHost: string // address or DNS name to connect to
  port: number
  path: string // origin-form path with query
  timeoutMs: number
  signal: AbortSignal
  lookup?: LookupFunction // name → address; default the system's (dns.lookup)
}

/** Forwards an HTTP proxy request to a server on the ordinary web and relays its answer. */
export async function forwardHttp (req: IncomingMessage, res: ServerResponse, target: ForwardTarget): Promise<void> {
  const upstream = httpRequest({
    host: target.connectHost,
    port: target.port,
    method: req.method,
    path: target.path,
    headers: endToEnd(req.headers), // keeps the client's Host header (name-based virtual hosts)
    signal: target.signal,
    timeout: target.timeoutMs,
    ...(target.lookup === undefined ? {} : { lookup: target.lookup })
  })
  upstream.on('timeout', () => upstream.destroy(Object.assign(new Error('upstream timed out'), { code: 'ETIMEDOUT' })))
  const response = new Promise<IncomingMessage>((resolve, reject) => {
    upstream.once('response', resolve)
    upstream.once('error', reject)
  })
  req.pipe(upstream)
  let answer: IncomingMessage
  try {
    answer = await response
  } catch (err) {
    const code = errorCode(err)
    // Known network codes keep their own page; anything else becomes "could not reach the site".
    if (code !== undefined && /^E[A-Z_]+$/.test(code) && code !== 'ERR_STREAM_PREMATURE_CLOSE') throw err
    throw gatewayError(GATEWAY_ERRORS.upstreamFailed, `Could not reach ${target.connectHost}:${target.port}.`, err)
  }
  upstream.setTimeout(0)
  res.writeHead(answer.statusCode ?? 502, endToEnd(answer.headers))
  try {
    await pipeline(answer, res)
  } catch {
    res.destroy() // either side went away mid-body; nothing left to tell the client
  }
}
