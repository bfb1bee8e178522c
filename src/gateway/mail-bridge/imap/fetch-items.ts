/**
 * FETCH data items (RFC 3501 §6.4.5), the subset the bridge serves: FLAGS,
 * UID, INTERNALDATE, RFC822.SIZE, ENVELOPE, RFC822, RFC822.HEADER,
 * RFC822.TEXT, and BODY[...] / BODY.PEEK[...] with the sections "" (all),
 * HEADER, TEXT, HEADER.FIELDS (...), HEADER.FIELDS.NOT (...), and a
 * <origin.length> partial, on the message or on a part (BODY[2], BODY[1.MIME],
 * BODY[3.HEADER] of an attached message), and BODYSTRUCTURE / BODY. Anything
 * else is refused by name.
 */
import type { ImapValue } from './imap-tokens.js'

/** A section: a part path (empty: the message itself) and what of that part. */
export type BodySection = { path: number[] } & (
  | { kind: 'all' }
  | { kind: 'header' }
  | { kind: 'text' }
  | { kind: 'mime' }
  | { kind: 'fields', names: string[], not: boolean }
)

export type FetchItem =
  | { kind: 'flags' | 'uid' | 'internaldate' | 'size' | 'envelope' | 'rfc822' | 'rfc822.header' | 'rfc822.text' }
  /** BODYSTRUCTURE (with extension data) or BODY (without). */
  | { kind: 'structure', extensible: boolean }
  | { kind: 'body', peek: boolean, section: BodySection, partial?: { start: number, length: number } }

export type FetchItemsResult = { ok: true, items: FetchItem[] } | { ok: false, error: string }

const SIMPLE: Record<string, FetchItem['kind']> = {
  FLAGS: 'flags',
  UID: 'uid',
  INTERNALDATE: 'internaldate',
  'RFC822.SIZE': 'size',
  ENVELOPE: 'envelope',
  RFC822: 'rfc822',
  'RFC822.HEADER': 'rfc822.header',
  'RFC822.TEXT': 'rfc822.text'
}

const MACROS: Record<string, string[]> = {
  ALL: ['FLAGS', 'INTERNALDATE', 'RFC822.SIZE', 'ENVELOPE'],
  FAST: ['FLAGS', 'INTERNALDATE', 'RFC822.SIZE'],
  FULL: ['FLAGS', 'INTERNALDATE', 'RFC822.SIZE', 'ENVELOPE']
}

const MAX_ITEMS = 50
const MAX_FIELD_NAMES = 100

export function parseFetchItems (value: ImapValue | undefined): FetchItemsResult {
  if (value === undefined) return { ok: false, error: 'FETCH needs data items' }
  let texts: string[]
  if (value.kind === 'atom') {
    texts = MACROS[value.text.toUpperCase()] ?? [value.text]
  } else if (value.kind === 'list') {
    if (value.items.length === 0 || value.items.length > MAX_ITEMS) return { ok: false, error: `FETCH takes 1 to ${MAX_ITEMS} data items` }
    texts = []
    for (const item of value.items) {
      if (item.kind !== 'atom') return { ok: false, error: 'a FETCH data item must be an atom' }
      texts.push(item.text)
    }
  } else {
    return { ok: false, error: 'a FETCH data item must be an atom' }
  }
  const items: FetchItem[] = []
  for (const text of texts) {
    const item = parseItem(text)
    if (item === undefined) return { ok: false, error: `unsupported FETCH data item ${text.slice(0, 60)}` }
    items.push(item)
  }
  return { ok: true, items }
}

function parseItem (text: string): FetchItem | undefined {
  const upper = text.toUpperCase()
  const simple = SIMPLE[upper]
  if (simple !== undefined) return { kind: simple } as FetchItem
  if (upper === 'BODYSTRUCTURE' || upper === 'BODY') return { kind: 'structure', extensible: upper === 'BODYSTRUCTURE' }
  const m = /^BODY(\.PEEK)?\[([^\]]*)\](?:<(\d{1,10})\.(\d{1,10})>)?$/.exec(upper)
  if (m === null) return undefined
  const section = parseSection(m[2])
  if (section === undefined) return undefined
  const item: FetchItem = { kind: 'body', peek: m[1] !== undefined, section }
  if (m[3] !== undefined) {
    const start = Number(m[3])
    const length = Number(m[4])
    if (length === 0 || start > 0xffffffff || length > 0xffffffff) return undefined
    item.partial = { start, length }
  }
  return item
}

const MAX_PATH = 10

function parseSection (text: string): BodySection | undefined {
  // "2.1.MIME": a part path, then what of it; "HEADER": the message itself.
  const m = /^(\d{1,4}(?:\.\d{1,4})*)(?:\.(\D.*))?$/.exec(text)
  const path = m === null ? [] : m[1].split('.').map(Number)
  if (path.length > MAX_PATH || path.some((n) => n < 1)) return undefined
  const rest = m === null ? text : m[2] ?? ''
  if (rest === '') return { path, kind: 'all' }
  if (rest === 'HEADER') return { path, kind: 'header' }
  if (rest === 'TEXT') return { path, kind: 'text' }
  if (rest === 'MIME') return path.length > 0 ? { path, kind: 'mime' } : undefined
  const f = /^HEADER\.FIELDS(\.NOT)? \(([^()]*)\)$/.exec(rest)
  if (f === null) return undefined
  const names = f[2].split(' ').filter((n) => n !== '')
  if (names.length === 0 || names.length > MAX_FIELD_NAMES) return undefined
  // Field names are printable US-ASCII without ':' (RFC 5322 §2.2).
  if (!names.every((n) => /^[\x21-\x39\x3b-\x7e]+$/.test(n))) return undefined
  return { path, kind: 'fields', names, not: f[1] !== undefined }
}

/** How the item is named in the response: BODY[...] (PEEK dropped), partial as <origin>. */
export function responseName (item: FetchItem & { kind: 'body' }): string {
  const s = item.section
  const what = s.kind === 'all' ? '' : s.kind === 'header' ? 'HEADER' : s.kind === 'text' ? 'TEXT' : s.kind === 'mime' ? 'MIME'
    : `HEADER.FIELDS${s.not ? '.NOT' : ''} (${s.names.join(' ')})`
  const section = [s.path.join('.'), what].filter((x) => x !== '').join('.')
  return `BODY[${section}]` + (item.partial !== undefined ? `<${item.partial.start}>` : '')
}

/** Whether fetching these items needs the message's bytes (everything but FLAGS, UID, INTERNALDATE). */
export function needsRaw (items: FetchItem[]): boolean {
  return items.some((i) => i.kind !== 'flags' && i.kind !== 'uid' && i.kind !== 'internaldate')
}

/** Whether fetching these items marks the message \Seen (BODY[] and RFC822 without PEEK). */
export function setsSeen (items: FetchItem[]): boolean {
  return items.some((i) => (i.kind === 'body' && !i.peek) || i.kind === 'rfc822' || i.kind === 'rfc822.text')
}
