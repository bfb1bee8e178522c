/**
 * The header side of multipart/form-data: the boundary in the request's
 * Content-Type, a part's header block, and its Content-Disposition.
 *
 * Quoted values follow what browsers send (HTML's form encoding), not RFC
 * 822 quoting: a quoted value ends at the next '"', backslashes are ordinary
 * characters, and a file name's '"', CR and LF arrive as %22, %0D, %0A.
 */
import { DASHBOARD_ERRORS, dashboardError } from './errors.js'

export interface HeaderValue {
  value: string // lowercased, e.g. "multipart/form-data" or "form-data"
  params: Map<string, string> // lowercased keys
}

const TOKEN = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/
// RFC 2046 bchars: 1..70 characters, not ending in a space.
const BOUNDARY = /^[0-9A-Za-z'()+_,\-./:=? ]{0,69}[0-9A-Za-z'()+_,\-./:=?]$/

function malformed (why: string): Error {
  return dashboardError(DASHBOARD_ERRORS.malformed, why)
}

/** Parses `type; key=value; key="quoted"`; undefined when it does not have that shape. */
export function parseHeaderValue (raw: string): HeaderValue | undefined {
  const semi = raw.indexOf(';')
  const value = (semi < 0 ? raw : raw.slice(0, semi)).trim().toLowerCase()
  if (value.length === 0) return undefined
  const params = new Map<string, string>()
  let i = semi < 0 ? raw.length : semi + 1
  while (i < raw.length) {
    while (i < raw.length && (raw[i] === ' ' || raw[i] === '\t' || raw[i] === ';')) i++
    if (i >= raw.length) break
    const eq = raw.indexOf('=', i)
    const nextSemi = raw.indexOf(';', i)
    if (eq < 0 || (nextSemi >= 0 && nextSemi < eq)) return undefined // a parameter without '='
    const key = raw.slice(i, eq).trim().toLowerCase()
    if (!TOKEN.test(key)) return undefined
    i = eq + 1
    while (i < raw.length && (raw[i] === ' ' || raw[i] === '\t')) i++
    let v: string
    if (raw[i] === '"') {
      const close = raw.indexOf('"', i + 1)
      if (close < 0) return undefined
      v = raw.slice(i + 1, close)
      i = close + 1
      while (i < raw.length && (raw[i] === ' ' || raw[i] === '\t')) i++
      if (i < raw.length && raw[i] !== ';') return undefined
    } else {
      const end = raw.indexOf(';', i)
      v = raw.slice(i, end < 0 ? raw.length : end).trim()
      i = end < 0 ? raw.length : end
    }
    // Two values for one key (two names, two file names) would let two readers disagree.
    if (params.has(key)) return undefined
    params.set(key, v)
  }
  return { value, params }
}

/** The boundary of a multipart/form-data request; throws DASHBOARD_NOT_MULTIPART otherwise. */
export function boundaryOf (contentType: string | undefined): string {
  const parsed = contentType === undefined ? undefined : parseHeaderValue(contentType)
  if (parsed === undefined || parsed.value !== 'multipart/form-data') {
    throw dashboardError(DASHBOARD_ERRORS.notMultipart, 'The upload must be sent as multipart/form-data.')
  }
  const boundary = parsed.params.get('boundary')
  if (boundary === undefined || !BOUNDARY.test(boundary)) {
    throw dashboardError(DASHBOARD_ERRORS.notMultipart, 'The upload’s Content-Type has no valid boundary.')
  }
  return boundary
}

/**
 * A part's header block (the bytes between the boundary line and the empty
 * line), as a map of lowercased names to values. The first of repeated
 * headers wins; folded lines and control characters are refused.
 */
export function parsePartHeaders (block: Uint8Array): Map<string, string> {
  const text = Buffer.from(block.buffer, block.byteOffset, block.byteLength).toString('utf8')
  const headers = new Map<string, string>()
  if (text.length === 0) return headers
  for (const line of text.split('\r\n')) {
    const colon = line.indexOf(':')
    if (colon <= 0) throw malformed('A part header line has no name.')
    const name = line.slice(0, colon).toLowerCase()
    if (!TOKEN.test(name)) throw malformed('A part header has an invalid name.')
    const value = line.slice(colon + 1).trim()
    if (/[\u0000-\u0008\u000a-\u001f\u007f]/.test(value)) throw malformed('A part header contains control characters.')
    if (!headers.has(name)) headers.set(name, value)
  }
  return headers
}

export interface FormDisposition {
  name: string
  filename?: string // present for file inputs; '' when none was chosen
}

/** Reads Content-Disposition: form-data; name="…"[; filename="…"]. */
export function formDispositionOf (headers: ReadonlyMap<string, string>): FormDisposition {
  const raw = headers.get('content-disposition')
  if (raw === undefined) throw malformed('A part has no Content-Disposition header.')
  const parsed = parseHeaderValue(raw)
  if (parsed === undefined || parsed.value !== 'form-data') throw malformed('A part’s Content-Disposition is not form-data.')
  const name = parsed.params.get('name')
  if (name === undefined) throw malformed('A part has no field name.')
  const filename = parsed.params.get('filename')
  return filename === undefined ? { name: decodeFormEscapes(name) } : { name: decodeFormEscapes(name), filename: decodeFormEscapes(filename) }
}

/** Undoes the HTML form encoding of '"', CR and LF in names; other '%' sequences are literal. */
export function decodeFormEscapes (s: string): string {
  return s.replace(/%(22|0D|0A)/gi, (_, hex: string) => String.fromCharCode(parseInt(hex, 16)))
}
