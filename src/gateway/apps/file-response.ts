/**
 * How a file is answered (304, 416, 200 or 206), decided from the request's
 * conditional and Range headers before a byte is read. A file streamed from
 * the network and one served from the response cache go through the same
 * decisions and the same header shapes, so they answer alike.
 */
import type { IncomingMessage, OutgoingHttpHeaders, ServerResponse } from 'node:http'
import { ifRangeAllows, noneMatchHits } from '../conditional.js'
import { GATEWAY_ERRORS, gatewayError } from '../errors.js'
import { sendErrorPage } from '../error-page.js'
import type { ByteRange } from '../ports.js'
import { contentRange, parseRange } from '../range.js'

export type FilePlan =
  | { kind: 'not-modified' } // 304
  | { kind: 'unsatisfiable' } // 416
  | { kind: 'full' } // 200
  | { kind: 'partial', range: ByteRange } // 206

const NOT_MODIFIED: FilePlan = { kind: 'not-modified' }
const FULL: FilePlan = { kind: 'full' }

/** `etag` is the quoted entity tag. */
export function planFileResponse (req: IncomingMessage, etag: string, size: number): FilePlan {
  const headers = req.headers
  if (noneMatchHits(headers['if-none-match'], etag)) return NOT_MODIFIED
  const range = headers.range
  if (range === undefined || !ifRangeAllows(firstValue(headers['if-range']), etag)) return FULL
  return parseRange(range, size)
}

/** Headers every answer about a file carries, 304 and 416 included. */
export function fileCommonHeaders (etag: string, cacheControl: string): Record<string, string> {
  return { etag, 'cache-control': cacheControl, 'accept-ranges': 'bytes' }
}

/** Headers of a 200 (no range) or 206 answer; the order is the one the cached answers use. */
export function fileBodyHeaders (etag: string, cacheControl: string, contentType: string, size: number,
  range?: ByteRange): OutgoingHttpHeaders {
  const length = range === undefined ? size : range.end - range.start + 1
  const headers: OutgoingHttpHeaders = {
    ...fileCommonHeaders(etag, cacheControl),
    'content-type': contentType,
    'content-length': String(length),
    'x-content-type-options': 'nosniff'
  }
  if (range !== undefined) headers['content-range'] = contentRange(range, size)
  return headers
}

/** The same as fileBodyHeaders for a full answer, flat ([name, value, …]) as writeHead takes it without rebuilding. */
export function flatFullHeaders (etag: string, cacheControl: string, contentType: string, size: number): string[] {
  const flat: string[] = []
  for (const [name, value] of Object.entries(fileBodyHeaders(etag, cacheControl, contentType, size))) flat.push(name, String(value))
  return flat
}

export function sendNotModified (res: ServerResponse, etag: string, cacheControl: string): void {
  res.writeHead(304, fileCommonHeaders(etag, cacheControl))
  res.end()
}

export function sendUnsatisfiable (req: IncomingMessage, res: ServerResponse, host: string, etag: string,
  cacheControl: string, size: number): void {
  sendErrorPage(res, gatewayError(GATEWAY_ERRORS.rangeNotSatisfiable, `The file has ${size} bytes; the requested range lies outside it.`),
    { host, method: req.method }, { 'content-range': `bytes */${size}`, ...fileCommonHeaders(etag, cacheControl) })
}

function firstValue (value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value[0] : value
}
