import { describe, expect, it } from 'vitest'
import { ImapCommandReader, type ImapReaderEvent } from '../../../../src/gateway/mail-bridge/imap/imap-reader.js'
import type { ImapValue } from '../../../../src/gateway/mail-bridge/imap/imap-tokens.js'

function feed (reader: ImapCommandReader, ...chunks: string[]): ImapReaderEvent[] {
  return chunks.flatMap((c) => reader.push(Buffer.from(c, 'latin1')))
}

function only (events: ImapReaderEvent[]): ImapReaderEvent {
  expect(events).toHaveLength(1)
  return events[0]
}

function commandOf (e: ImapReaderEvent): { tag: string, name: string, args: ImapValue[] } {
  if (e.kind !== 'command') throw new Error(`expected a command, got ${JSON.stringify(e)}`)
  return e.command
}

describe('ImapCommandReader', () => {
  it('reads a simple command with atoms, quoted strings and a nested list', () => {
    const c = commandOf(only(feed(new ImapCommandReader(), 'a1 login "me@x" "p\\"w\\\\d"\r\n')))
    expect(c.tag).toBe('a1')
    expect(c.name).toBe('LOGIN')
    expect(c.args[0]).toEqual({ kind: 'string', bytes: Buffer.from('me@x') })
    expect(c.args[1]).toEqual({ kind: 'string', bytes: Buffer.from('p"w\\d') })
    const f = commandOf(only(feed(new ImapCommandReader(), 'a2 UID FETCH 1:* (FLAGS (X Y) BODY.PEEK[HEADER.FIELDS (From Subject)]<0.100>)\r\n')))
    expect(f.args[0]).toEqual({ kind: 'atom', text: 'FETCH' })
    expect(f.args[1]).toEqual({ kind: 'atom', text: '1:*' })
    expect(f.args[2]).toEqual({
      kind: 'list',
      items: [
        { kind: 'atom', text: 'FLAGS' },
        { kind: 'list', items: [{ kind: 'atom', text: 'X' }, { kind: 'atom', text: 'Y' }] },
        { kind: 'atom', text: 'BODY.PEEK[HEADER.FIELDS (From Subject)]<0.100>' }
      ]
    })
  })

  it('reassembles a command split at every byte', () => {
    const reader = new ImapCommandReader()
    const text = 'x SELECT INBOX\r\n'
    const events = feed(reader, ...text.split(''))
    expect(commandOf(only(events))).toEqual({ tag: 'x', name: 'SELECT', args: [{ kind: 'atom', text: 'INBOX' }] })
  })

  it('asks for a synchronising literal and reads it with binary bytes', () => {
    const reader = new ImapCommandReader()
    expect(feed(reader, 'a LOGIN {5}\r\n')).toEqual([{ kind: 'continue' }])
    const events = feed(reader, 'm\xe9\r\n"', ' pass\r\n')
    const c = commandOf(only(events))
    expect(c.args[0]).toEqual({ kind: 'string', bytes: Buffer.from([0x6d, 0xe9, 0x0d, 0x0a, 0x22]) })
    expect(c.args[1]).toEqual({ kind: 'atom', text: 'pass' })
  })

  it('reads a LITERAL+ without asking, and literals inside a list', () => {
    const c = commandOf(only(feed(new ImapCommandReader(), 'a SEARCH (FROM {3+}\r\nabc SUBJECT {0+}\r\n)\r\n')))
    expect(c.args[0]).toEqual({ kind: 'list', items: [{ kind: 'atom', text: 'FROM' }, { kind: 'string', bytes: Buffer.from('abc') }, { kind: 'atom', text: 'SUBJECT' }, { kind: 'string', bytes: Buffer.alloc(0) }] })
  })

  it('refuses an oversized synchronising literal with BAD and stays in step', () => {
    const reader = new ImapCommandReader({ maxLiteralBytes: 10 })
    expect(feed(reader, 'a7 LOGIN {11}\r\n')).toEqual([{ kind: 'bad', tag: 'a7', text: expect.stringContaining('limit') }])
    expect(commandOf(only(feed(reader, 'a8 NOOP\r\n'))).name).toBe('NOOP')
  })

  it('ends the stream on an oversized LITERAL+ (it cannot be skipped safely)', () => {
    const reader = new ImapCommandReader({ maxLiteralBytes: 10 })
    expect(feed(reader, 'a LOGIN {11+}\r\n01234567890 x\r\nb NOOP\r\n')).toEqual([{ kind: 'fatal', text: expect.any(String) }])
  })

  it('drops an over-long line up to its end, then goes on', () => {
    const reader = new ImapCommandReader({ maxLineBytes: 32 })
    const events = feed(reader, 'a NOOP ' + 'x'.repeat(20), 'y'.repeat(40), 'z\r\nb NOOP\r\n')
    expect(events[0]).toMatchObject({ kind: 'bad', tag: undefined })
    expect(commandOf(events[1]).tag).toBe('b')
    expect(events).toHaveLength(2)
  })

  it('bounds a whole command across literals', () => {
    const reader = new ImapCommandReader({ maxCommandBytes: 40, maxLiteralBytes: 30 })
    expect(feed(reader, 'a X {20}\r\n')).toEqual([{ kind: 'continue' }])
    expect(feed(reader, '0123456789abcdefghij {20}\r\n')).toEqual([{ kind: 'bad', tag: 'a', text: expect.stringContaining('command larger') }])
  })

  it('bounds the literals of one command', () => {
    const reader = new ImapCommandReader({ maxLiterals: 2 })
    expect(feed(reader, 'a X {1}\r\n', 'a {1}\r\n', 'b {1}\r\n')).toEqual([{ kind: 'continue' }, { kind: 'continue' }, { kind: 'bad', tag: 'a', text: expect.stringContaining('literals') }])
  })

  it('answers malformed commands with BAD (tag when there is one) and never throws', () => {
    const cases: Array<[string, string | undefined]> = [
      ['\r\n', undefined],
      ['a\r\n', 'a'],
      ['a "open\r\n', 'a'],
      ['a LOGIN "x\\q"\r\n', 'a'],
      ['a FETCH (1 2\r\n', 'a'],
      ['a FETCH 1 BODY[HEADER\r\n', 'a'],
      ['a  NOOP\r\n', 'a'],
      ['a NOOP \r\n', 'a'],
      ['a NO\x00OP\r\n', 'a'],
      ['+ NOOP\r\n', undefined],
      ['a 123\r\n', 'a'],
      ['a X ' + '('.repeat(20) + ')'.repeat(20) + '\r\n', 'a']
    ]
    for (const [line, tag] of cases) {
      const e = only(feed(new ImapCommandReader(), line))
      expect(e.kind, line).toBe('bad')
      if (e.kind === 'bad') expect(e.tag, line).toBe(tag)
    }
  })

  it('survives random bytes without throwing, and every event is well formed', () => {
    let seed = 7
    const rand = (): number => { seed = (seed * 1103515245 + 12345) & 0x7fffffff; return seed >> 12 }
    const alphabet = 'a1 (){}[]<>"\\*%+:.\r\n\x00FETCH'
    let reader = new ImapCommandReader({ maxLineBytes: 200, maxLiteralBytes: 50 })
    let events = 0
    let fatal = 0
    for (let i = 0; i < 2000; i++) {
      let chunk = ''
      const n = rand() % 40
      for (let j = 0; j < n; j++) chunk += alphabet[rand() % alphabet.length]
      for (const e of reader.push(Buffer.from(chunk, 'latin1'))) {
        events++
        expect(['command', 'continue', 'bad', 'fatal']).toContain(e.kind)
        // After a fatal event the connection ends; a fresh reader stands for the next client.
        if (e.kind === 'fatal') { fatal++; reader = new ImapCommandReader({ maxLineBytes: 200, maxLiteralBytes: 50 }) }
      }
    }
    expect(events).toBeGreaterThan(100)
    expect(fatal).toBeLessThan(events)
  })

  it('hands the next line over raw when asked (AUTHENTICATE, IDLE)', () => {
    const reader = new ImapCommandReader()
    reader.expectLine()
    expect(feed(reader, 'DONE\r\n')).toEqual([{ kind: 'line', text: 'DONE' }])
    expect(only(feed(reader, 'DONE\r\n')).kind).toBe('bad')
  })
})
