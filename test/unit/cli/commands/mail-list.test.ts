import { describe, expect, it } from 'vitest'
import { listMail, mailListCommand, parseList } from '../../../../src/cli/commands/mail-list.js'
import { composeMessage } from '../../../../src/node/services/mail/message-format.js'
import { makeContext } from '../cli-test-kit.js'
import { expectCode, expectUsageError } from './command-test-kit.js'
import { fakeMail } from './mail-kit.js'

describe('tornet mail list', () => {
  it('reads its options', () => {
    expect(parseList([])).toEqual({ folder: 'inbox', offset: 0, limit: 50 })
    expect(parseList(['--folder', 'Sent', '--offset', '10', '--limit', '5', '--search', 'bob'])).toEqual({ folder: 'sent', offset: 10, limit: 5, search: 'bob' })
  })

  it('refuses bad options before starting a node', async () => {
    await expectUsageError(mailListCommand, ['--folder', 'spam'])
    await expectUsageError(mailListCommand, ['--limit', '0'])
    await expectUsageError(mailListCommand, ['--offset', '-1'])
    await expectUsageError(mailListCommand, ['inbox'])
  })

  it('prints a page newest first with counts, state and the next-page hint', async () => {
    const { mail, dir } = await fakeMail()
    for (let i = 0; i < 3; i++) {
      const { raw } = await composeMessage({ to: ['me@tor-net'], subject: `note ${i}`, text: 'x' }, `friend${i}@tor-net`, new Date(Date.UTC(2026, 0, 1 + i)))
      await mail.store.add('inbox', raw)
    }
    const first = (await mail.list('inbox', { limit: 1 })).messages[0]
    await mail.setUnread(first.id, false)
    const ctx = makeContext(dir)
    const page = await listMail(mail, { folder: 'inbox', offset: 0, limit: 2 }, ctx)
    expect(page.total).toBe(3)
    expect(ctx.stderr.text()).toContain('inbox: 3 messages, 2 unread')
    expect(ctx.stderr.text()).toContain('more: tornet mail list --folder inbox --offset 2')
    const lines = ctx.stdout.text().trimEnd().split('\n')
    expect(lines[0]).toMatch(/^ID +DATE +FROM +SUBJECT +STATE$/)
    expect(lines[1]).toContain(first.id)
    expect(lines[1]).toContain('friend2@tor-net')
    expect(lines[1]).not.toContain('unread')
    expect(lines[2]).toContain('note 1')
    expect(lines[2]).toContain('unread')
    expect(lines).toHaveLength(3)

    await mail.send({ to: ['bob@tor-net'], subject: 'out', text: 'y' })
    const sent = makeContext(dir)
    await listMail(mail, { folder: 'sent', offset: 0, limit: 50 }, sent)
    expect(sent.stdout.text()).toMatch(/TO +SUBJECT/)
    expect(sent.stdout.text()).toMatch(/bob@tor-net +out +pending/)

    const search = makeContext(dir)
    await listMail(mail, { folder: 'inbox', offset: 0, limit: 50, search: 'FRIEND0' }, search)
    expect(search.stderr.text()).toContain('1 message matching "FRIEND0"')
    const empty = makeContext(dir)
    await listMail(mail, { folder: 'trash', offset: 0, limit: 50 }, empty)
    expect(empty.stdout.text()).toBe('')
  })

  it('needs a mailbox', async () => {
    const { mail, dir } = await fakeMail(false)
    await expectCode(listMail(mail, parseList([]), makeContext(dir)), 'CLI_NO_MAILBOX')
  })
})
