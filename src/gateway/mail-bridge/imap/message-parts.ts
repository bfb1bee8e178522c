/**
 * The pieces of an RFC 5322 message that IMAP FETCH hands out: header and
 * body split, selected header fields, and the ENVELOPE structure. Header
 * values are given as they are (encoded-words included): the client decodes
 * them, as it would from any IMAP server.
 */
import addressparser from 'nodemailer/lib/addressparser/index.js'
import { nstring, type ResponsePart } from './imap-encode.js'

export interface MessageSplit {
  /** The header block, with the blank line that ends it. */
  header: Buffer
  text: Buffer
}

export function splitMessage (raw: Buffer): MessageSplit {
  const crlf = raw.indexOf('\r\n\r\n')
  const lf = raw.indexOf('\n\n')
  if (crlf >= 0 && (lf < 0 || crlf <= lf)) return { header: raw.subarray(0, crlf + 4), text: raw.subarray(crlf + 4) }
  if (lf >= 0) return { header: raw.subarray(0, lf + 2), text: raw.subarray(lf + 2) }
  return { header: raw, text: Buffer.alloc(0) }
}

export interface HeaderField {
  /** Lower case. */
  name: string
  /** The field as it stands in the message, folding and line ends included. */
  raw: Buffer
  /** Unfolded value, surrounding white space trimmed. */
  value: string
}

const MAX_FIELDS = 1000

export function headerFields (header: Buffer): HeaderField[] {
  const fields: HeaderField[] = []
  let start = 0
  while (start < header.length && fields.length < MAX_FIELDS) {
    let end = start
    // A field goes on while the next line starts with white space (folding).
    for (;;) {
      const nl = header.indexOf(0x0a, end)
      if (nl < 0) { end = header.length; break }
      end = nl + 1
      const next = header[end]
      if (next !== 0x20 && next !== 0x09) break
    }
    const raw = header.subarray(start, end)
    start = end
    const text = raw.toString('utf8')
    const colon = text.indexOf(':')
    if (colon <= 0) continue
    fields.push({ name: text.slice(0, colon).trim().toLowerCase(), raw, value: text.slice(colon + 1).replace(/\r?\n[ \t]/g, ' ').trim() })
  }
  return fields
}

/** BODY[HEADER.FIELDS (names)] (or .NOT): the chosen fields as they stand, and the closing blank line. */
export function selectFields (header: Buffer, names: string[], not: boolean): Buffer {
  const wanted = new Set(names.map((n) => n.toLowerCase()))
  const picked = headerFields(header).filter((f) => wanted.has(f.name) !== not).map((f) => f.raw)
  return Buffer.concat([...picked, Buffer.from('\r\n')])
}

/** The ENVELOPE of RFC 3501 §7.4.2, from the message's header. */
export function envelope (header: Buffer): ResponsePart[] {
  const fields = headerFields(header)
  const get = (name: string): string | undefined => fields.find((f) => f.name === name)?.value
  const from = get('from')
  const parts: ResponsePart[] = ['(']
  const add = (p: ResponsePart[]): void => { parts.push(...p, ' ') }
  add(nstring(get('date')))
  add(nstring(get('subject')))
  add(addresses(from))
  add(addresses(get('sender') ?? from))
  add(addresses(get('reply-to') ?? from))
  add(addresses(get('to')))
  add(addresses(get('cc')))
  add(addresses(get('bcc')))
  add(nstring(get('in-reply-to')))
  parts.push(...nstring(get('message-id')), ')')
  return parts
}

const MAX_ADDRESSES = 200

function addresses (value: string | undefined): ResponsePart[] {
  if (value === undefined) return ['NIL']
  const list = addressparser(value, { flatten: true }).slice(0, MAX_ADDRESSES)
  if (list.length === 0) return ['NIL']
  const parts: ResponsePart[] = ['(']
  for (const a of list) {
    const at = a.address.lastIndexOf('@')
    const mailbox = at < 0 ? a.address : a.address.slice(0, at)
    const host = at < 0 ? undefined : a.address.slice(at + 1)
    parts.push('(', ...nstring(a.name === '' ? undefined : a.name), ' NIL ', ...nstring(mailbox), ' ', ...nstring(host), ')')
  }
  parts.push(')')
  return parts
}
