/**
 * The MIME structure of a message, for IMAP's BODYSTRUCTURE and part
 * sections (BODY[2], BODY[1.MIME], BODY[2.1.TEXT]): which clients such as
 * Thunderbird use to list attachments and fetch only the part shown.
 *
 * Parts are slices of the raw bytes (nothing decoded or copied); multipart
 * bodies are split at their boundary lines (RFC 2046 §5.1.1); a
 * message/rfc822 part holds the parsed message it carries. Bounded: nesting
 * depth and part count. Malformed structure never throws: a multipart
 * without its boundary is a single part, as a lenient reader would show it.
 */
import { headerFields, splitMessage } from './message-parts.js'

export interface MimeEntity {
  /** The entity's header block (for the top message: the message header). */
  header: Buffer
  body: Buffer
  /** Lower case. */
  type: string
  subtype: string
  /** Content-Type parameters, names lower case, values as written (unquoted). */
  params: Array<[string, string]>
  id: string | undefined
  description: string | undefined
  encoding: string
  disposition: { type: string, params: Array<[string, string]> } | undefined
  language: string | undefined
  location: string | undefined
  children: MimeEntity[] | undefined
  /** message/rfc822: the message inside. */
  message: MimeEntity | undefined
}

const MAX_DEPTH = 8
const MAX_PARTS = 500

export function parseMimeTree (raw: Buffer): MimeEntity {
  const budget = { parts: 0 }
  return entity(raw, 0, budget, { type: 'text', subtype: 'plain' })
}

function entity (raw: Buffer, depth: number, budget: { parts: number }, fallback: { type: string, subtype: string }): MimeEntity {
  budget.parts++
  const { header, text } = splitMessage(raw)
  const fields = headerFields(header)
  const get = (name: string): string | undefined => fields.find((f) => f.name === name)?.value
  const ct = parseParams(get('content-type') ?? '')
  const [type, subtype] = /^[!#$%&'*+.^_`|~0-9a-z-]+\/[!#$%&'*+.^_`|~0-9a-z-]+$/.test(ct.value.toLowerCase())
    ? ct.value.toLowerCase().split('/') as [string, string]
    : [fallback.type, fallback.subtype]
  const cd = get('content-disposition')
  const disp = cd === undefined ? undefined : parseParams(cd)
  const e: MimeEntity = {
    header,
    body: text,
    type,
    subtype,
    params: ct.params,
    id: get('content-id'),
    description: get('content-description'),
    encoding: (get('content-transfer-encoding') ?? '7bit').trim(),
    disposition: disp === undefined || disp.value === '' ? undefined : { type: disp.value, params: disp.params },
    language: get('content-language'),
    location: get('content-location'),
    children: undefined,
    message: undefined
  }
  if (depth >= MAX_DEPTH || budget.parts >= MAX_PARTS) return e
  if (type === 'multipart') {
    const boundary = ct.params.find(([k]) => k === 'boundary')?.[1]
    const bodies = boundary === undefined ? undefined : splitMultipart(text, boundary)
    if (bodies !== undefined && bodies.length > 0) {
      // In multipart/digest a part without Content-Type is a message (RFC 2046 §5.1.5).
      const childDefault = subtype === 'digest' ? { type: 'message', subtype: 'rfc822' } : { type: 'text', subtype: 'plain' }
      e.children = []
      for (const b of bodies) {
        if (budget.parts >= MAX_PARTS) break
        e.children.push(entity(b, depth + 1, budget, childDefault))
      }
    }
  } else if (type === 'message' && subtype === 'rfc822') {
    e.message = entity(text, depth + 1, budget, { type: 'text', subtype: 'plain' })
  }
  return e
}

/** The bodies between `--boundary` lines, up to `--boundary--`; undefined when there is none. */
function splitMultipart (body: Buffer, boundary: string): Buffer[] | undefined {
  const delimiter = Buffer.from('--' + boundary)
  const starts: Array<{ lineStart: number, contentStart: number, close: boolean }> = []
  let at = 0
  while (at <= body.length) {
    const i = body.indexOf(delimiter, at)
    if (i < 0) break
    const atLineStart = i === 0 || body[i - 1] === 0x0a
    const after = i + delimiter.length
    if (atLineStart) {
      const close = body[after] === 0x2d && body[after + 1] === 0x2d
      const eol = body.indexOf(0x0a, after)
      const contentStart = eol < 0 ? body.length : eol + 1
      // The CRLF before a delimiter belongs to the delimiter, not to the part before it.
      let lineStart = i
      if (lineStart > 0 && body[lineStart - 1] === 0x0a) lineStart--
      if (lineStart > 0 && body[lineStart - 1] === 0x0d) lineStart--
      starts.push({ lineStart, contentStart, close })
      if (close || starts.length > MAX_PARTS) break
    }
    at = after
  }
  if (starts.length === 0) return undefined
  const parts: Buffer[] = []
  for (let k = 0; k < starts.length; k++) {
    if (starts[k].close) break
    const end = k + 1 < starts.length ? starts[k + 1].lineStart : body.length
    parts.push(body.subarray(starts[k].contentStart, Math.max(starts[k].contentStart, end)))
  }
  return parts
}

/** `value; a=1; b="x y"` → value and parameters (names lower case, quotes removed). */
export function parseParams (text: string): { value: string, params: Array<[string, string]> } {
  const pieces: string[] = []
  let cur = ''
  let quoted = false
  for (let i = 0; i < text.length; i++) {
    const c = text[i]
    if (c === '"') quoted = !quoted
    if (c === '\\' && quoted && i + 1 < text.length) { cur += c + text[++i]; continue }
    if (c === ';' && !quoted) { pieces.push(cur); cur = ''; continue }
    cur += c
  }
  pieces.push(cur)
  const params: Array<[string, string]> = []
  for (const p of pieces.slice(1, 65)) {
    const eq = p.indexOf('=')
    if (eq <= 0) continue
    let v = p.slice(eq + 1).trim()
    if (v.startsWith('"') && v.endsWith('"') && v.length >= 2) v = v.slice(1, -1).replace(/\\(.)/g, '$1')
    params.push([p.slice(0, eq).trim().toLowerCase(), v])
  }
  return { value: pieces[0].trim(), params }
}

/**
 * The entity a part number names (RFC 3501 §6.4.5): `[]` is the message itself; in a
 * multipart the n-th child; inside a message/rfc822 part, its message's parts; in a
 * single-part entity only `1` (its body). Undefined when there is no such part.
 */
export function partAt (root: MimeEntity, path: number[]): MimeEntity | undefined {
  let node = root
  for (const n of path) {
    if (node.type === 'message' && node.subtype === 'rfc822' && node.message !== undefined && node !== root) node = node.message
    if (node.children !== undefined) {
      const child = node.children[n - 1]
      if (child === undefined) return undefined
      node = child
    } else if (n !== 1) {
      return undefined
    }
  }
  return node
}

/** Lines in a body (for text and message/rfc822 parts in BODYSTRUCTURE). */
export function lineCount (body: Buffer): number {
  let n = 0
  for (let i = body.indexOf(0x0a); i >= 0; i = body.indexOf(0x0a, i + 1)) n++
  return n
}
