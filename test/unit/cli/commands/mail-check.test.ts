import { describe, expect, it } from 'vitest'
import { checkMail, mailCheckCommand } from '../../../../src/cli/commands/mail-check.js'
import { composeMessage } from '../../../../src/node/services/mail/message-format.js'
import { makeContext } from '../cli-test-kit.js'
import { expectCode, expectUsageError } from './command-test-kit.js'
import { fakeMail } from './mail-kit.js'

describe('tornet mail check', () => {
  it('collects new mail and reports what came in', async () => {
    const { mail, dir } = await fakeMail()
    for (const subject of ['one', 'two']) mail.incoming.push((await composeMessage({ to: ['me@tor-net'], subject, text: 'x' }, 'a@tor-net')).raw)
    mail.receipts = 1
    const ctx = makeContext(dir)
    const r = await checkMail(mail, ctx)
    expect(r).toEqual({ received: 2, receipts: 1, aside: 0 })
    expect(ctx.stdout.text()).toBe('2 new messages, 1 receipt\n')
    expect((await mail.list('inbox')).total).toBe(2)
    const again = makeContext(dir)
    await checkMail(mail, again)
    expect(again.stdout.text()).toBe('0 new messages, 1 receipt\n')
  })

  it('takes no arguments and needs a mailbox', async () => {
    await expectUsageError(mailCheckCommand, ['now'])
    const { mail, dir } = await fakeMail(false)
    await expectCode(checkMail(mail, makeContext(dir)), 'CLI_NO_MAILBOX')
  })
})
