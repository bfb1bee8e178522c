import { describe, expect, it } from 'vitest'
import { needsRaw, parseFetchItems, responseName, setsSeen } from '../../../../src/gateway/mail-bridge/imap/fetch-items.js'
import type { ImapValue } from '../../../../src/gateway/mail-bridge/imap/imap-tokens.js'

const atom = (text: string): ImapValue => ({ kind: 'atom', text })
const list = (...texts: string[]): ImapValue => ({ kind: 'list', items: texts.map(atom) })

describe('FETCH items', () => {
  it('expands macros and reads simple items', () => {
    const r = parseFetchItems(atom('fast'))
    expect(r).toEqual({ ok: true, items: [{ kind: 'flags' }, { kind: 'internaldate' }, { kind: 'size' }] })
    const all = parseFetchItems(list('UID', 'ENVELOPE', 'RFC822.HEADER'))
    expect(all.ok && all.items.map((i) => i.kind)).toEqual(['uid', 'envelope', 'rfc822.header'])
  })

  it('reads BODY sections and partials, and names them as RFC 3501 answers them', () => {
    const r = parseFetchItems(list('BODY.PEEK[HEADER.FIELDS (From To)]', 'BODY[]<10.20>', 'body[text]', 'BODY[HEADER.FIELDS.NOT (X-A)]'))
    if (!r.ok) throw new Error(r.error)
    expect(r.items[0]).toEqual({ kind: 'body', peek: true, section: { path: [], kind: 'fields', names: ['FROM', 'TO'], not: false } })
    expect(r.items[1]).toEqual({ kind: 'body', peek: false, section: { path: [], kind: 'all' }, partial: { start: 10, length: 20 } })
    expect(r.items.map((i) => i.kind === 'body' ? responseName(i) : '')).toEqual(['BODY[HEADER.FIELDS (FROM TO)]', 'BODY[]<10>', 'BODY[TEXT]', 'BODY[HEADER.FIELDS.NOT (X-A)]'])
    expect(setsSeen(r.items)).toBe(true)
    expect(setsSeen([r.items[0]])).toBe(false)
    expect(needsRaw([{ kind: 'flags' }, { kind: 'uid' }])).toBe(false)
    expect(needsRaw([r.items[0]])).toBe(true)
  })

  it('reads part sections and BODYSTRUCTURE / BODY', () => {
    const r = parseFetchItems(list('BODYSTRUCTURE', 'BODY', 'BODY.PEEK[2]', 'BODY[1.2.MIME]', 'BODY[3.HEADER.FIELDS (SUBJECT)]', 'BODY[2.TEXT]<0.5>'))
    if (!r.ok) throw new Error(r.error)
    expect(r.items.slice(0, 2)).toEqual([{ kind: 'structure', extensible: true }, { kind: 'structure', extensible: false }])
    expect(r.items[2]).toEqual({ kind: 'body', peek: true, section: { path: [2], kind: 'all' } })
    expect(r.items.slice(2).map((i) => i.kind === 'body' ? responseName(i) : '')).toEqual(['BODY[2]', 'BODY[1.2.MIME]', 'BODY[3.HEADER.FIELDS (SUBJECT)]', 'BODY[2.TEXT]<0>'])
  })

  it('refuses what it does not serve, by name', () => {
    for (const bad of ['BODY[0]', 'BODY[MIME]', 'BODY[1.]', 'BODY[.TEXT]', 'BODY[1.X]', 'BODY[1.2.3.4.5.6.7.8.9.10.11]', 'BODY[HEADER.FIELDS ()]', 'BODY[]<1.0>', 'BODY[HEADER.FIELDS (A:B)]', 'X-GM-MSGID', 'BINARY[1]']) {
      const r = parseFetchItems(list(bad))
      expect(r.ok, bad).toBe(false)
    }
    expect(parseFetchItems(undefined).ok).toBe(false)
    expect(parseFetchItems({ kind: 'list', items: [] }).ok).toBe(false)
    expect(parseFetchItems({ kind: 'string', bytes: Buffer.from('FLAGS') }).ok).toBe(false)
  })
})
