/**
 * URL path → the relative path SiteContent expects ('' for the root,
 * segments percent-decoded and joined by '/'). Anything that could climb out
 * of the site or smuggle a separator is a bad request.
 */
import { GATEWAY_ERRORS, gatewayError } from '../errors.js'

export interface SitePath {
  path: string // relative, '' = root
  name: string // last segment, '' at the root
  trailingSlash: boolean
}

function badPath (why: string): Error {
  return gatewayError(GATEWAY_ERRORS.badRequest, `The path in this address is not valid: ${why}.`)
}

function decodeSegment (raw: string): string {
  let segment: string
  try {
    segment = decodeURIComponent(raw)
  } catch {
    throw badPath('broken percent-encoding')
  }
  if (segment === '.' || segment === '..') throw badPath('"." and ".." are not allowed')
  if (/[/\\\0]/.test(segment)) throw badPath('an encoded slash or NUL inside a name')
  return segment
}

/** `pathname` comes from a parsed URL (starts with '/'); `base` is the path a name record points at, if any. */
export function sitePath (pathname: string, base?: string): SitePath {
  const segments = pathname.split('/').filter(s => s.length > 0).map(decodeSegment)
  const baseSegments = (base ?? '').split('/').filter(s => s.length > 0 && s !== '.' && s !== '..')
  const all = [...baseSegments, ...segments]
  return {
    path: all.join('/'),
    name: all[all.length - 1] ?? '',
    trailingSlash: pathname.endsWith('/')
  }
}

export function joinPath (dir: string, name: string): string {
  return dir === '' ? name : `${dir}/${name}`
}
