/** ETags and the conditional headers that use them (If-None-Match, If-Range). */

/** Turns a content layer's etag (a hash, usually) into a quoted HTTP entity tag. */
export function quoteEtag (raw: string): string {
  // Entity tags may not contain '"', controls or spaces; content hashes never do, but stay safe.
  return `"${raw.replace(/[^\x21\x23-\x7e]/g, '_')}"`
}

function tagsOf (header: string): string[] {
  return header.split(',').map(t => t.trim()).filter(t => t.length > 0)
}

/** If-None-Match uses weak comparison: W/"x" matches "x". */
export function noneMatchHits (header: string | undefined, etag: string): boolean {
  if (header === undefined) return false
  if (header.trim() === '*') return true
  const strip = (t: string): string => t.startsWith('W/') ? t.slice(2) : t
  return tagsOf(header).some(t => strip(t) === strip(etag))
}

/**
 * If-Range: serve the range only if the client's copy is still this one
 * (strong comparison). A date there cannot be checked (no Last-Modified), so
 * the whole file is sent.
 */
export function ifRangeAllows (header: string | undefined, etag: string): boolean {
  if (header === undefined) return true
  const tag = header.trim()
  return !tag.startsWith('W/') && tag === etag
}
