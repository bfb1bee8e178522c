import { describe, expect, it } from 'vitest'
import { parseSearch, type SearchTarget } from '../../../../src/gateway/mail-bridge/imap/search-keys.js'
import type { ImapValue } from '../../../../src/gateway/mail-bridge/imap/imap-tokens.js'

const atom = (text: string): ImapValue => ({ kind: 'atom', text })
const str = (text: string): ImapValue => ({ kind: 'string', bytes: Buffer.from(text) })

const messages: SearchTarget[] = [
  { seq: 1, uid: 10, unread: true, deleted: false, from: 'Alice <alice@tor-net>', to: ['bob@tor-net'], subject: 'Hello there' },
  { seq: 2, uid: 11, unread: false, deleted: true, from: 'carol@tor-net', to: ['bob@tor-net'], subject: 'Grüße' },
  { seq: 3, uid: 15, unread: false, deleted: false, from: 'alice@tor-net', to: ['dave@bit'], subject: 'Re: hello' }
]

function run (...args: ImapValue[]): number[] {
  const r = parseSearch(args)
  if (!r.ok) throw new Error(r.error)
  return messages.filter((m) => r.match(m, { maxSeq: 3, maxUid: 15 })).map((m) => m.seq)
}

describe('SEARCH criteria', () => {
  it('matches flags, senders and subjects case-insensitively', () => {
    expect(run(atom('ALL'))).toEqual([1, 2, 3])
    expect(run(atom('UNSEEN'))).toEqual([1])
    expect(run(atom('SEEN'), atom('UNDELETED'))).toEqual([3])
    expect(run(atom('FROM'), str('ALICE'))).toEqual([1, 3])
    expect(run(atom('SUBJECT'), atom('hello'))).toEqual([1, 3])
    expect(run(atom('CHARSET'), atom('UTF-8'), atom('SUBJECT'), str('grüsse'.replace('ss', 'ß')))).toEqual([2])
    expect(run(atom('TO'), str('@bit'))).toEqual([3])
  })

  it('combines with NOT, OR, groups, UID sets and sequence sets', () => {
    expect(run(atom('NOT'), atom('FROM'), str('alice'))).toEqual([2])
    expect(run(atom('OR'), atom('UNSEEN'), atom('DELETED'))).toEqual([1, 2])
    expect(run({ kind: 'list', items: [atom('FROM'), str('alice'), atom('SEEN')] })).toEqual([3])
    expect(run(atom('UID'), atom('11:*'))).toEqual([2, 3])
    expect(run(atom('2:*'))).toEqual([2, 3])
    expect(run(atom('ANSWERED'))).toEqual([])
    expect(run(atom('UNFLAGGED'))).toEqual([1, 2, 3])
  })

  it('refuses what it does not understand', () => {
    for (const args of [[], [atom('SINCE'), atom('1-Jan-2020')], [atom('FROM')], [atom('OR'), atom('ALL')], [atom('UID'), atom('x')], [atom('NOT')], [str('ALL')], [{ kind: 'list', items: [] } as ImapValue]]) {
      expect(parseSearch(args).ok, JSON.stringify(args)).toBe(false)
    }
    const charset = parseSearch([atom('CHARSET'), atom('KOI8-R'), atom('ALL')])
    expect(charset.ok === false && charset.error.startsWith('[BADCHARSET')).toBe(true)
  })
})
