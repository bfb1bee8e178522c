/**
 * BODYSTRUCTURE and BODY (RFC 3501 §7.4.2) of a parsed MIME tree, and the
 * bytes a part section names.
 */
import { envelope, selectFields, splitMessage } from './message-parts.js'
import { nstring, type ResponsePart } from './imap-encode.js'
import type { BodySection } from './fetch-items.js'
import { lineCount, partAt, type MimeEntity } from './mime-tree.js'

export function bodyStructure (e: MimeEntity, extensible: boolean): ResponsePart[] {
  if (e.children !== undefined && e.children.length > 0) {
    const parts: ResponsePart[] = ['(']
    for (const child of e.children) parts.push(...bodyStructure(child, extensible))
    parts.push(' ', ...nstring(e.subtype.toUpperCase()))
    if (extensible) parts.push(' ', ...paramList(e.params), ' ', ...disposition(e), ' ', ...nstring(e.language), ' ', ...nstring(e.location))
    parts.push(')')
    return parts
  }
  const parts: ResponsePart[] = [
    '(', ...nstring(e.type.toUpperCase()), ' ', ...nstring(e.subtype.toUpperCase()), ' ', ...paramList(e.params), ' ',
    ...nstring(e.id), ' ', ...nstring(e.description), ' ', ...nstring(e.encoding.toUpperCase()), ` ${e.body.length}`
  ]
  if (e.type === 'message' && e.subtype === 'rfc822' && e.message !== undefined) {
    parts.push(' ', ...envelope(e.message.header), ' ', ...bodyStructure(e.message, extensible), ` ${lineCount(e.body)}`)
  } else if (e.type === 'text') {
    parts.push(` ${lineCount(e.body)}`)
  }
  if (extensible) parts.push(' NIL ', ...disposition(e), ' ', ...nstring(e.language), ' ', ...nstring(e.location))
  parts.push(')')
  return parts
}

function paramList (params: Array<[string, string]>): ResponsePart[] {
  if (params.length === 0) return ['NIL']
  const parts: ResponsePart[] = ['(']
  params.forEach(([k, v], i) => { parts.push(i === 0 ? '' : ' ', ...nstring(k.toUpperCase()), ' ', ...nstring(v)) })
  parts.push(')')
  return parts
}

function disposition (e: MimeEntity): ResponsePart[] {
  if (e.disposition === undefined) return ['NIL']
  return ['(', ...nstring(e.disposition.type.toUpperCase()), ' ', ...paramList(e.disposition.params), ')']
}

/** The bytes of a section, or an empty buffer when the message has no such part. */
export function sectionBytes (raw: Buffer, root: () => MimeEntity, s: BodySection): Buffer {
  if (s.path.length === 0) {
    const split = splitMessage(raw)
    if (s.kind === 'all') return raw
    if (s.kind === 'header') return split.header
    if (s.kind === 'text') return split.text
    if (s.kind === 'fields') return selectFields(split.header, s.names, s.not)
    return Buffer.alloc(0)
  }
  const part = partAt(root(), s.path)
  if (part === undefined) return Buffer.alloc(0)
  if (s.kind === 'all') return part.body
  if (s.kind === 'mime') return part.header
  // HEADER, TEXT and HEADER.FIELDS of a part are those of the message it carries (message/rfc822).
  const inner = part.type === 'message' && part.subtype === 'rfc822' ? part.message : undefined
  if (inner === undefined) return Buffer.alloc(0)
  if (s.kind === 'header') return inner.header
  if (s.kind === 'text') return inner.body
  return selectFields(inner.header, s.names, s.not)
}
