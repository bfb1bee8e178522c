/**
 * Turns one IMAP command (its lines and literals, as the reader collected
 * them) into a tag, a command name and argument values.
 *
 * Values: atoms (also numbers, NIL, sequence sets and FETCH items such as
 * `BODY.PEEK[HEADER.FIELDS (FROM TO)]<0.512>`: a `[...]` section is kept
 * inside its atom, spaces and parentheses included), strings (quoted, or a
 * literal) and parenthesised lists. Nesting is bounded.
 */

export type ImapValue =
  | { kind: 'atom', text: string }
  | { kind: 'string', bytes: Buffer }
  | { kind: 'list', items: ImapValue[] }

export interface ImapCommand {
  tag: string
  /** Upper case. */
  name: string
  args: ImapValue[]
}

export type TokenizeResult =
  | { ok: true, command: ImapCommand }
  | { ok: false, tag: string | undefined, error: string }

const MAX_DEPTH = 8
const MAX_VALUES = 1000
// RFC 3501 atom-char: any CHAR except atom-specials ( ) { SP CTL % * " \ ]
const ATOM_CHAR = /[^(){ %*"\\\]\x00-\x1f\x7f]/
// In list-mailbox patterns and sequence sets '%' and '*' are allowed too; ']' closes a section.
const LOOSE_ATOM_CHAR = /[^(){ "\\\]\x00-\x1f\x7f]/
const TAG = /^[^(){ %*"\\\]+\x00-\x1f\x7f]+$/

class Cursor {
  part = 0
  pos = 0
  values = 0
  constructor (readonly lines: string[], readonly literals: Buffer[]) {}
  get line (): string { return this.lines[this.part] }
  atLineEnd (): boolean { return this.pos >= this.line.length }
  /** At the end of a line that a literal follows. */
  atLiteral (): boolean { return this.atLineEnd() && this.part < this.literals.length }
  atEnd (): boolean { return this.atLineEnd() && this.part >= this.literals.length }
  peek (): string { return this.line[this.pos] }
}

class TokenError extends Error {}

export function tokenizeCommand (lines: string[], literals: Buffer[]): TokenizeResult {
  const first = lines[0] ?? ''
  const tagEnd = first.indexOf(' ')
  const tag = tagEnd > 0 ? first.slice(0, tagEnd) : first
  if (!TAG.test(tag)) return { ok: false, tag: undefined, error: 'missing or malformed tag' }
  if (tagEnd < 0) return { ok: false, tag, error: 'missing command' }
  const cur = new Cursor(lines, literals)
  cur.pos = tagEnd + 1
  try {
    const name = readAtom(cur)
    if (!/^[A-Za-z]+$/.test(name)) throw new TokenError('malformed command name')
    const args: ImapValue[] = []
    while (!cur.atEnd()) {
      expectSpace(cur)
      args.push(readValue(cur, 0))
    }
    return { ok: true, command: { tag, name: name.toUpperCase(), args } }
  } catch (err) {
    if (err instanceof TokenError) return { ok: false, tag, error: err.message }
    throw err
  }
}

function expectSpace (cur: Cursor): void {
  if (cur.atLineEnd() || cur.peek() !== ' ') throw new TokenError(`expected a space at column ${cur.pos}`)
  cur.pos++
}

function readValue (cur: Cursor, depth: number): ImapValue {
  if (++cur.values > MAX_VALUES) throw new TokenError('too many values in one command')
  if (cur.atLiteral()) {
    const bytes = cur.literals[cur.part]
    cur.part++
    cur.pos = 0
    return { kind: 'string', bytes }
  }
  if (cur.atLineEnd()) throw new TokenError('a value is missing at the end of the line')
  const c = cur.peek()
  if (c === '"') return { kind: 'string', bytes: readQuoted(cur) }
  if (c === '(') {
    if (depth >= MAX_DEPTH) throw new TokenError('lists nested too deep')
    cur.pos++
    const items: ImapValue[] = []
    for (;;) {
      if (cur.atLineEnd() && !cur.atLiteral()) throw new TokenError('unclosed list')
      if (!cur.atLiteral() && cur.peek() === ')') { cur.pos++; break }
      if (items.length > 0) expectSpace(cur)
      items.push(readValue(cur, depth + 1))
    }
    return { kind: 'list', items }
  }
  return { kind: 'atom', text: readAtom(cur) }
}

function readQuoted (cur: Cursor): Buffer {
  const line = cur.line
  let i = cur.pos + 1
  let out = ''
  for (;;) {
    if (i >= line.length) throw new TokenError('unterminated quoted string')
    const ch = line[i]
    if (ch === '"') break
    if (ch === '\\') {
      const next = line[i + 1]
      if (next !== '"' && next !== '\\') throw new TokenError('bad escape in a quoted string')
      out += next
      i += 2
      continue
    }
    out += ch
    i++
  }
  cur.pos = i + 1
  return Buffer.from(out, 'latin1')
}

/** An atom, with any `[...]` section (and a following `<o.n>` partial) kept inside it. */
function readAtom (cur: Cursor): string {
  const line = cur.line
  const start = cur.pos
  let i = start
  // A flag is an atom after a backslash (\Seen, \Deleted).
  if (line[i] === '\\') i++
  while (i < line.length) {
    const ch = line[i]
    if (ch === '[') {
      const close = line.indexOf(']', i)
      if (close < 0) throw new TokenError('unclosed [ in an atom')
      const inside = line.slice(i + 1, close)
      if (/[\x00-\x1f\x7f[{]/.test(inside)) throw new TokenError('bad characters in a [section]')
      i = close + 1
      continue
    }
    if (!LOOSE_ATOM_CHAR.test(ch)) break
    i++
  }
  if (i === start || (i === start + 1 && line[start] === '\\')) throw new TokenError(`unexpected ${JSON.stringify(line[start])} at column ${start}`)
  cur.pos = i
  return line.slice(start, i)
}

/** True when `text` is a plain atom (no list-wildcards, no section). */
export function isPlainAtom (text: string): boolean {
  for (const ch of text) if (!ATOM_CHAR.test(ch) || ch === '[') return false
  return text.length > 0
}

/** The text of an astring argument (atom or string), or undefined. UTF-8 for strings. */
export function astringOf (value: ImapValue | undefined): string | undefined {
  if (value === undefined) return undefined
  if (value.kind === 'atom') return value.text
  if (value.kind === 'string') return value.bytes.toString('utf8')
  return undefined
}
