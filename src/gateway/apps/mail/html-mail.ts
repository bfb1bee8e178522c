/**
 * The reply carrying a message's HTML part, for the sandboxed iframe on the
 * message page. Its CSP is the second wall (the frame's sandbox attribute is
 * the first, and this one holds even when the URL is opened on its own):
 *   sandbox             no scripts, an opaque origin, no forms, no popups, no top navigation
 *   default-src 'none'  nothing loads from anywhere: no remote images (tracking pixels), fonts, frames, media
 *   img-src data:       pictures carried inside the message itself
 *   style-src 'unsafe-inline'  the message's own inline CSS (it cannot load anything: see above)
 * frame-ancestors 'self' lets only the webmail's own page frame it.
 */
import type { IncomingMessage, ServerResponse } from 'node:http'

export const HTML_MAIL_CSP = [
  'sandbox', "default-src 'none'", 'img-src data:', "style-src 'unsafe-inline'", "base-uri 'none'", "form-action 'none'", "frame-ancestors 'self'"
].join('; ')

export function sendHtmlMail (req: IncomingMessage, res: ServerResponse, html: string): void {
  // The meta tag keeps a message that declares another charset from being read as one: the bytes here are UTF-8.
  const body = `<!DOCTYPE html><meta charset="utf-8">\n${html}`
  res.writeHead(200, {
    'content-type': 'text/html; charset=utf-8',
    'content-length': String(Buffer.byteLength(body)),
    'content-security-policy': HTML_MAIL_CSP,
    'x-content-type-options': 'nosniff',
    'referrer-policy': 'no-referrer',
    'cache-control': 'no-store'
  })
  res.end(req.method === 'HEAD' ? undefined : body)
}
