/**
 * SEARCH criteria (RFC 3501 §6.4.4), the subset the bridge serves: ALL,
 * SEEN/UNSEEN, DELETED/UNDELETED, FROM, TO, SUBJECT (case-insensitive
 * substring, as the RFC asks), UID set, a sequence set, NOT, OR, and
 * parenthesised groups; flags the bridge does not keep (ANSWERED, FLAGGED,
 * DRAFT, RECENT, NEW) match nothing and their UN-forms match everything.
 * A leading CHARSET must be UTF-8 or US-ASCII.
 */
import { astringOf, type ImapValue } from './imap-tokens.js'
import { inSequenceSet, parseSequenceSet, type SequenceRange } from './sequence-set.js'

export interface SearchTarget {
  seq: number
  uid: number
  unread: boolean
  deleted: boolean
  from: string
  to: string[]
  subject: string
}

export interface SearchContext {
  /** Largest sequence number and largest UID in the mailbox (for `*`). */
  maxSeq: number
  maxUid: number
}

type Key =
  | { kind: 'all' | 'none' | 'seen' | 'unseen' | 'deleted' | 'undeleted' }
  | { kind: 'from' | 'to' | 'subject', text: string }
  | { kind: 'uid' | 'seq', ranges: SequenceRange[] }
  | { kind: 'not', key: Key }
  | { kind: 'or', a: Key, b: Key }
  | { kind: 'and', keys: Key[] }

export type SearchParse = { ok: true, match: (t: SearchTarget, ctx: SearchContext) => boolean } | { ok: false, error: string }

class SearchError extends Error {}

const FLAG_KEYS: Record<string, Key['kind']> = {
  ALL: 'all',
  SEEN: 'seen',
  UNSEEN: 'unseen',
  DELETED: 'deleted',
  UNDELETED: 'undeleted',
  ANSWERED: 'none',
  FLAGGED: 'none',
  DRAFT: 'none',
  RECENT: 'none',
  NEW: 'none',
  UNANSWERED: 'all',
  UNFLAGGED: 'all',
  UNDRAFT: 'all',
  OLD: 'all'
}

export function parseSearch (args: ImapValue[]): SearchParse {
  let rest = args
  const first = rest[0]
  if (first?.kind === 'atom' && first.text.toUpperCase() === 'CHARSET') {
    const charset = astringOf(rest[1])?.toUpperCase()
    if (charset !== 'UTF-8' && charset !== 'US-ASCII') return { ok: false, error: `[BADCHARSET (UTF-8 US-ASCII)] charset ${charset ?? '(missing)'} is not supported` }
    rest = rest.slice(2)
  }
  if (rest.length === 0) return { ok: false, error: 'SEARCH needs at least one criterion' }
  try {
    const pos = { i: 0 }
    const keys: Key[] = []
    while (pos.i < rest.length) keys.push(readKey(rest, pos, 0))
    const root: Key = keys.length === 1 ? keys[0] : { kind: 'and', keys }
    return { ok: true, match: (t, ctx) => evaluate(root, t, ctx) }
  } catch (err) {
    if (err instanceof SearchError) return { ok: false, error: err.message }
    throw err
  }
}

function readKey (args: ImapValue[], pos: { i: number }, depth: number): Key {
  if (depth > 16) throw new SearchError('search criteria nested too deep')
  const v = args[pos.i++]
  if (v === undefined) throw new SearchError('a search criterion is missing')
  if (v.kind === 'list') {
    if (v.items.length === 0) throw new SearchError('an empty search group')
    const inner = { i: 0 }
    const keys: Key[] = []
    while (inner.i < v.items.length) keys.push(readKey(v.items, inner, depth + 1))
    return { kind: 'and', keys }
  }
  if (v.kind !== 'atom') throw new SearchError('a search criterion must be an atom')
  const word = v.text.toUpperCase()
  const flag = FLAG_KEYS[word]
  if (flag !== undefined) return { kind: flag } as Key
  if (word === 'FROM' || word === 'TO' || word === 'SUBJECT') {
    const text = astringOf(args[pos.i++])
    if (text === undefined) throw new SearchError(`${word} needs a string`)
    return { kind: word.toLowerCase() as 'from', text: text.toLowerCase() }
  }
  if (word === 'NOT') return { kind: 'not', key: readKey(args, pos, depth + 1) }
  if (word === 'OR') {
    const a = readKey(args, pos, depth + 1)
    return { kind: 'or', a, b: readKey(args, pos, depth + 1) }
  }
  if (word === 'UID') {
    const set = args[pos.i++]
    const ranges = set?.kind === 'atom' ? parseSequenceSet(set.text) : undefined
    if (ranges === undefined) throw new SearchError('UID needs a sequence set')
    return { kind: 'uid', ranges }
  }
  const ranges = parseSequenceSet(v.text)
  if (ranges !== undefined) return { kind: 'seq', ranges }
  throw new SearchError(`unsupported search criterion ${v.text.slice(0, 40)}`)
}

function evaluate (key: Key, t: SearchTarget, ctx: SearchContext): boolean {
  switch (key.kind) {
    case 'all': return true
    case 'none': return false
    case 'seen': return !t.unread
    case 'unseen': return t.unread
    case 'deleted': return t.deleted
    case 'undeleted': return !t.deleted
    case 'from': return t.from.toLowerCase().includes(key.text)
    case 'to': return t.to.some((a) => a.toLowerCase().includes(key.text))
    case 'subject': return t.subject.toLowerCase().includes(key.text)
    case 'uid': return inSequenceSet(t.uid, key.ranges, ctx.maxUid)
    case 'seq': return inSequenceSet(t.seq, key.ranges, ctx.maxSeq)
    case 'not': return !evaluate(key.key, t, ctx)
    case 'or': return evaluate(key.a, t, ctx) || evaluate(key.b, t, ctx)
    case 'and': return key.keys.every((k) => evaluate(k, t, ctx))
  }
}
