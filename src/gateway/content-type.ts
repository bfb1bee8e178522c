/** Content-Type for a file name, from mime-types (CommonJS, no bundled types: typed here). */
import { createRequire } from 'node:module'
import { extname } from 'node:path'

interface MimeTypes {
  lookup (path: string): string | false
  contentType (type: string): string | false
}

const mime = createRequire(import.meta.url)('mime-types') as MimeTypes

export const DEFAULT_CONTENT_TYPE = 'application/octet-stream'

/** "index.html" → "text/html; charset=utf-8"; unknown → application/octet-stream. */
export function contentTypeFor (fileName: string): string {
  // lookup("f") would take the whole name as an extension (text/x-fortran); only real extensions count.
  const ext = extname(fileName)
  if (ext.length < 2) return DEFAULT_CONTENT_TYPE
  const type = mime.lookup(ext)
  if (type === false) return DEFAULT_CONTENT_TYPE
  return mime.contentType(type) || type
}
