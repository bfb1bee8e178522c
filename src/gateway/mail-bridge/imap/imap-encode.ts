/**
 * How values go on the wire in IMAP responses: quoted strings when safe,
 * literals otherwise (a header may hold any byte), NIL, dates, flag lists.
 * A response is built as parts (text and raw bytes) and joined once.
 */

export type ResponsePart = string | Buffer

const QUOTABLE = /^[\x20-\x7e]*$/
const MAX_QUOTED = 1024

/** An nstring: NIL, a quoted string, or a literal for anything with CR, LF, 8-bit bytes or length. */
export function nstring (value: string | Buffer | undefined): ResponsePart[] {
  if (value === undefined) return ['NIL']
  if (typeof value === 'string' && value.length <= MAX_QUOTED && QUOTABLE.test(value)) {
    return ['"' + value.replace(/[\\"]/g, (c) => '\\' + c) + '"']
  }
  const bytes = typeof value === 'string' ? Buffer.from(value, 'utf8') : value
  return [`{${bytes.length}}\r\n`, bytes]
}

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec']

/** RFC 3501 date-time, in UTC: "05-Dec-2026 23:44:56 +0000". */
export function internalDate (ms: number): string {
  const d = new Date(Number.isFinite(ms) ? ms : 0)
  const p = (n: number): string => String(n).padStart(2, '0')
  return `"${p(d.getUTCDate())}-${MONTHS[d.getUTCMonth()]}-${d.getUTCFullYear()} ${p(d.getUTCHours())}:${p(d.getUTCMinutes())}:${p(d.getUTCSeconds())} +0000"`
}

export function flagList (flags: Iterable<string>): string {
  return '(' + [...flags].join(' ') + ')'
}

/** Joins parts into the bytes to write. */
export function joinParts (parts: ResponsePart[]): Buffer {
  return Buffer.concat(parts.map((p) => typeof p === 'string' ? Buffer.from(p, 'utf8') : p))
}
