import { describe, expect, it } from 'vitest'
import { bodyStructure, sectionBytes } from '../../../../src/gateway/mail-bridge/imap/body-structure.js'
import { joinParts } from '../../../../src/gateway/mail-bridge/imap/imap-encode.js'
import { parseMimeTree } from '../../../../src/gateway/mail-bridge/imap/mime-tree.js'
import { composeRaw } from '../../../helpers/memory-mail.js'

const crlf = (lines: string[]): Buffer => Buffer.from(lines.join('\r\n'))

// A hand-written message (so the expected structure is known byte for byte): mixed = alternative(text, html) + attachment + attached message.
const RAW = crlf([
  'From: a@tor-net', 'Subject: s', 'MIME-Version: 1.0', 'Content-Type: multipart/mixed; boundary="XX"', '',
  'preamble', '--XX', 'Content-Type: multipart/alternative; boundary=YY', '',
  '--YY', 'Content-Type: text/plain; charset=utf-8', '', 'hello', 'world', '--YY', 'Content-Type: text/html', '', '<p>hi</p>', '--YY--', '',
  '--XX', 'Content-Type: application/octet-stream; name="d.bin"', 'Content-Transfer-Encoding: base64', 'Content-Disposition: attachment; filename="d.bin"', '',
  'AAEC', '--XX', 'Content-Type: message/rfc822', '', 'From: b@tor-net', 'Subject: inner', '', 'inner body', '--XX--', 'epilogue'
])

describe('MIME tree and BODYSTRUCTURE', () => {
  it('describes nested multiparts, an attachment and an attached message', () => {
    const text = joinParts(bodyStructure(parseMimeTree(RAW), true)).toString()
    expect(text).toBe(
      '((("TEXT" "PLAIN" ("CHARSET" "utf-8") NIL NIL "7BIT" 12 1 NIL NIL NIL NIL)' +
      '("TEXT" "HTML" NIL NIL NIL "7BIT" 9 0 NIL NIL NIL NIL) "ALTERNATIVE" ("BOUNDARY" "YY") NIL NIL NIL)' +
      '("APPLICATION" "OCTET-STREAM" ("NAME" "d.bin") NIL NIL "BASE64" 4 NIL ("ATTACHMENT" ("FILENAME" "d.bin")) NIL NIL)' +
      '("MESSAGE" "RFC822" NIL NIL NIL "7BIT" 45 (NIL "inner" ((NIL NIL "b" "tor-net")) ((NIL NIL "b" "tor-net")) ((NIL NIL "b" "tor-net")) NIL NIL NIL NIL NIL) ' +
      '("TEXT" "PLAIN" NIL NIL NIL "7BIT" 10 0 NIL NIL NIL NIL) 3 NIL NIL NIL NIL) "MIXED" ("BOUNDARY" "XX") NIL NIL NIL)'
    )
  })

  it('serves part sections: bodies, MIME headers, and the attached message\'s header and text', () => {
    const root = parseMimeTree(RAW)
    const at = (path: number[], kind: 'all' | 'mime' | 'header' | 'text'): string => sectionBytes(RAW, () => root, { path, kind }).toString()
    expect(at([1, 1], 'all')).toBe('hello\r\nworld')
    expect(at([1, 2], 'all')).toBe('<p>hi</p>')
    expect(at([2], 'all')).toBe('AAEC')
    expect(at([2], 'mime')).toContain('Content-Disposition: attachment; filename="d.bin"\r\n\r\n')
    expect(at([3], 'header')).toBe('From: b@tor-net\r\nSubject: inner\r\n\r\n')
    expect(at([3], 'text')).toBe('inner body')
    expect(at([3, 1], 'all')).toBe('inner body')
    expect(at([4], 'all')).toBe('')
    expect(at([2], 'text')).toBe('')
  })

  it('a single-part message is part 1; a multipart without its boundary is one part', () => {
    const single = crlf(['Subject: x', '', 'just text'])
    expect(joinParts(bodyStructure(parseMimeTree(single), false)).toString()).toBe('("TEXT" "PLAIN" NIL NIL NIL "7BIT" 9 0)')
    expect(sectionBytes(single, () => parseMimeTree(single), { path: [1], kind: 'all' }).toString()).toBe('just text')
    const broken = crlf(['Content-Type: multipart/mixed; boundary=ZZ', '', 'no delimiters here'])
    expect(joinParts(bodyStructure(parseMimeTree(broken), false)).toString()).toBe('("MULTIPART" "MIXED" ("BOUNDARY" "ZZ") NIL NIL "7BIT" 18)')
  })

  it('finds the attachment of a message nodemailer composed, byte-exact after decoding', async () => {
    const content = Buffer.from(Array.from({ length: 3000 }, (_, i) => i & 0xff))
    const raw = await composeRaw({ to: ['b@tor-net'], subject: 's', text: 'hi', attachments: [{ filename: 'x.bin', contentType: 'application/octet-stream', content }] }, 'a@tor-net', new Date())
    const root = parseMimeTree(raw)
    expect(root.children?.map((c) => `${c.type}/${c.subtype}`)).toEqual(['text/plain', 'application/octet-stream'])
    const part = sectionBytes(raw, () => root, { path: [2], kind: 'all' })
    expect(Buffer.from(part.toString(), 'base64').equals(content)).toBe(true)
  })
})
