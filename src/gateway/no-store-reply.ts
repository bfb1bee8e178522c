/**
 * Replies the gateway writes itself that no cache may keep: pages carrying the
 * CSRF token, live status, error pages. Sniffing stays off, so a browser takes
 * the content type as given.
 */
import type { IncomingMessage, ServerResponse } from 'node:http'

export const JSON_CONTENT_TYPE = 'application/json; charset=utf-8'

export function noStoreHeaders (contentType: string, body: string): Record<string, string> {
  return {
    'content-type': contentType,
    'content-length': String(Buffer.byteLength(body)),
    'cache-control': 'no-store',
    'x-content-type-options': 'nosniff'
  }
}

/** 200 with `body` (none for HEAD); `extraHeaders` add to the no-store set. */
export function sendNoStore (req: IncomingMessage, res: ServerResponse, contentType: string, body: string,
  extraHeaders: Record<string, string> = {}): void {
  res.writeHead(200, { ...noStoreHeaders(contentType, body), ...extraHeaders })
  res.end(req.method === 'HEAD' ? undefined : body)
}
