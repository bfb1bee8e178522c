import { randomBytes } from 'node:crypto'
import { describe, expect, it } from 'vitest'
import { composeMessage, parseMessage } from '../../../../src/node/services/mail/message-format.js'
import { MAX_PLAIN_BYTES } from '../../../../src/node/services/mail/seal.js'
import { keyAddress } from '../../../../src/node/services/mail/address.js'
import { generateMailKeys } from '../../../../src/node/services/mail/mail-keys.js'
import { isTornetError } from '../../../../src/node/errors.js'

async function codeOf (p: Promise<unknown>): Promise<string | undefined> {
  try { await p } catch (e) { return isTornetError(e) ? e.code : String(e) }
  return undefined
}

describe('RFC 5322 messages', () => {
  it('composes and parses back text, html, attachments, threading and unicode', async () => {
    const from = keyAddress(generateMailKeys().signingKey)
    const blob = randomBytes(300_000)
    const date = new Date('2026-12-01T10:20:30Z')
    const { raw, messageId } = await composeMessage({
      to: ['Bob@Tor-Net', 'shop@bit'],
      cc: ['Carol <carol@tor-net>'],
      subject: 'Grüße — test ✓',
      text: 'Hello Bob,\nline two\n',
      html: '<p>Hello <b>Bob</b></p>',
      inReplyTo: '<abc@tor-net>',
      references: ['<root@tor-net>', '<abc@tor-net>'],
      attachments: [
        { filename: 'data.bin', contentType: 'application/octet-stream', content: blob },
        { filename: 'notes é.txt', contentType: 'text/plain', content: Buffer.from('plain notes') }
      ]
    }, from.toUpperCase(), date)
    expect(messageId).toMatch(/^<[0-9a-f]{32}@tor-net>$/)
    expect(raw.toString('latin1')).not.toMatch(/X-Mailer/i)
    const p = await parseMessage(raw)
    expect(p.from).toBe(from)
    expect(p.to).toEqual(['bob@tor-net', 'shop@bit'])
    expect(p.cc).toEqual(['carol@tor-net'])
    expect(p.subject).toBe('Grüße — test ✓')
    expect(p.date).toBe(date.getTime())
    expect(p.text?.trim()).toBe('Hello Bob,\nline two')
    expect(p.html).toContain('<b>Bob</b>')
    expect(p.messageId).toBe(messageId)
    expect(p.inReplyTo).toBe('<abc@tor-net>')
    expect(p.references).toEqual(['<root@tor-net>', '<abc@tor-net>'])
    expect(p.attachments.map(a => a.filename)).toEqual(['data.bin', 'notes é.txt'])
    expect(p.attachments[0].content.equals(blob)).toBe(true)
    expect(p.attachments[1].content.toString()).toBe('plain notes')
    expect(p.attachments[1].contentType).toBe('text/plain')
  })

  it('parses a message written by another program (RFC 5322 appendix A.1.1)', async () => {
    // RFC 5322, Appendix A.1.1 "A Message from One Person to Another with Simple Addressing".
    const raw = Buffer.from([
      'From: John Doe <jdoe@machine.example>',
      'To: Mary Smith <mary@example.net>',
      'Subject: Saying Hello',
      'Date: Fri, 21 Nov 1997 09:55:06 -0600',
      'Message-ID: <1234@local.machine.example>',
      '',
      'This is a message just to say hello.',
      'So, "Hello".',
      ''
    ].join('\r\n'))
    const p = await parseMessage(raw)
    expect(p.from).toBe('jdoe@machine.example')
    expect(p.to).toEqual(['mary@example.net'])
    expect(p.subject).toBe('Saying Hello')
    expect(p.date).toBe(Date.UTC(1997, 10, 21, 15, 55, 6))
    expect(p.messageId).toBe('<1234@local.machine.example>')
    expect(p.attachments).toEqual([])
    expect(p.html).toBeUndefined()
    expect(p.inReplyTo).toBeUndefined()
  })

  it('refuses bad addresses, no recipients and oversized messages', async () => {
    const from = 'alice@tor-net'
    expect(await codeOf(composeMessage({ to: ['bob@example.com'], subject: 's', text: 't' }, from))).toBe('MAIL_BAD_ADDRESS')
    expect(await codeOf(composeMessage({ to: ['bob@tor-net'], subject: 's', text: 't' }, 'nobody'))).toBe('MAIL_BAD_ADDRESS')
    expect(await codeOf(composeMessage({ to: [], subject: 's', text: 't' }, from))).toBe('MAIL_BAD_ARGUMENT')
    const huge = { filename: 'big', contentType: 'application/octet-stream', content: Buffer.alloc(MAX_PLAIN_BYTES) }
    expect(await codeOf(composeMessage({ to: ['bob@tor-net'], subject: 's', text: 't', attachments: [huge] }, from))).toBe('MAIL_OVERSIZED')
    expect(await codeOf(parseMessage(Buffer.alloc(MAX_PLAIN_BYTES + 1)))).toBe('MAIL_OVERSIZED')
  })
})
