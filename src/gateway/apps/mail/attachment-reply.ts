/**
 * Attachments and whole messages as downloads. Always `Content-Disposition:
 * attachment` and a sandboxing CSP, so an HTML or SVG attachment is saved,
 * never rendered in the webmail's origin; the bytes go out exactly as stored.
 */
import type { IncomingMessage, ServerResponse } from 'node:http'

const MIME_TYPE = /^[a-z0-9][a-z0-9!#$&^_.+-]{0,126}\/[a-z0-9][a-z0-9!#$&^_.+-]{0,126}$/i

/** RFC 6266: an ASCII fallback name, and the exact name as RFC 8187 UTF-8. */
export function contentDisposition (filename: string): string {
  const fallback = filename.replace(/[^\x20-\x7e]|["\\%;]/g, '_').trim() || 'attachment'
  const exact = encodeURIComponent(filename).replace(/['()*]/g, c => `%${c.charCodeAt(0).toString(16).toUpperCase()}`)
  return `attachment; filename="${fallback}"; filename*=UTF-8''${exact}`
}

export function sendDownload (req: IncomingMessage, res: ServerResponse, file: { filename: string, contentType: string, content: Buffer }): void {
  res.writeHead(200, {
    'content-type': MIME_TYPE.test(file.contentType) ? file.contentType : 'application/octet-stream',
    'content-length': String(file.content.length),
    'content-disposition': contentDisposition(file.filename),
    'content-security-policy': "sandbox; default-src 'none'",
    'x-content-type-options': 'nosniff',
    'cache-control': 'no-store'
  })
  res.end(req.method === 'HEAD' ? undefined : file.content)
}
