import { describe, expect, it } from 'vitest'
import { smtpReplyFor } from '../../../../src/gateway/mail-bridge/smtp-reply.js'
import { MailError, MailErrorCode, TornetError } from '../../../../src/node/index.js'

describe('smtpReplyFor', () => {
  it('maps the mail layer\'s codes to permanent or transient SMTP replies, keeping reason and code', () => {
    const cases: Array<[string, number]> = [
      [MailErrorCode.BAD_ADDRESS, 550],
      [MailErrorCode.NO_MAILBOX, 550],
      [MailErrorCode.MAILBOX_UNKNOWN, 451],
      ['NAME_NOT_FOUND', 550],
      [MailErrorCode.OVERSIZED, 552],
      [MailErrorCode.BAD_MESSAGE, 554],
      [MailErrorCode.NOT_RUNNING, 554],
      [MailErrorCode.NOT_DELIVERED, 451],
      [MailErrorCode.HOST_BUSY, 451],
      [MailErrorCode.STAMP_INSUFFICIENT, 451]
    ]
    for (const [code, reply] of cases) {
      const r = smtpReplyFor(new MailError(code as never, `why ${code}\r\nsecond line`))
      expect(r.code, code).toBe(reply)
      expect(r.message).toContain(`why ${code} second line [${code}]`)
      expect(r.message).not.toMatch(/[\r\n]/)
    }
  })

  it('treats an error without a code as transient', () => {
    expect(smtpReplyFor(new Error('socket hang up'))).toEqual({ code: 451, message: '4.4.0 socket hang up' })
    expect(smtpReplyFor(new TornetError('SOMETHING_NEW', 'x')).code).toBe(451)
  })
})
