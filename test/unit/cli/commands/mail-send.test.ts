import { writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { mailSendCommand, parseSend, progressText, sendMail } from '../../../../src/cli/commands/mail-send.js'
import { capture, makeContext, tempDataDir } from '../cli-test-kit.js'
import { expectCode, expectUsageError } from './command-test-kit.js'
import { fakeMail } from './mail-kit.js'

describe('tornet mail send', () => {
  it('reads the command line into a message: recipients, body file, attachments', async () => {
    const dir = tempDataDir()
    await writeFile(join(dir, 'body.txt'), 'from a file\n')
    await writeFile(join(dir, 'a.pdf'), Buffer.from('%PDF-1.4 fake'))
    await writeFile(join(dir, 'b.bin'), Buffer.alloc(1000, 7))
    const m = await parseSend(['--to', 'Bob@tor-net, shop@bit', '--to', 'carol@tor-net', '--cc', 'dan@tor-net', '--subject', 'Hi',
      '--body-file', join(dir, 'body.txt'), '--attach', join(dir, 'a.pdf'), join(dir, 'b.bin')])
    expect(m.to).toEqual(['bob@tor-net', 'shop@bit', 'carol@tor-net'])
    expect(m.cc).toEqual(['dan@tor-net'])
    expect(m.text).toBe('from a file\n')
    expect(m.attachments?.map(a => [a.filename, a.contentType, a.content.length])).toEqual([['a.pdf', 'application/pdf', 13], ['b.bin', 'application/octet-stream', 1000]])
    const plain = await parseSend(['--to', 'bob@tor-net', '--subject', '', '--body', 'text'])
    expect(plain).toEqual({ to: ['bob@tor-net'], subject: '', text: 'text' })
  })

  it('refuses what it cannot send before starting a node', async () => {
    const dir = tempDataDir()
    await expectUsageError(mailSendCommand, ['--subject', 's', '--body', 'b'])
    await expectUsageError(mailSendCommand, ['--to', 'bob@tor-net', '--body', 'b'])
    await expectUsageError(mailSendCommand, ['--to', 'bob@tor-net', '--subject', 's'])
    await expectUsageError(mailSendCommand, ['--to', 'bob@tor-net', '--subject', 's', '--body', 'b', '--body-file', 'f'])
    await expectUsageError(mailSendCommand, ['--to', 'bob@tor-net', '--subject', 's', '--body', 'b', 'stray'])
    await expectUsageError(mailSendCommand, ['--to', 'bob@tor-net', '--subject', 's', '--body', 'b', '--attach', dir])
    await expectCode(parseSend(['--to', 'bob@example.com', '--subject', 's', '--body', 'b']), 'MAIL_BAD_ADDRESS')
    await expectCode(parseSend(['--to', 'bob@tor-net', '--subject', 's', '--body-file', join(dir, 'missing')]), 'CLI_NO_SUCH_FILE')
    await expectCode(parseSend(['--to', 'bob@tor-net', '--subject', 's', '--body', 'b', '--attach', join(dir, 'missing')]), 'CLI_NO_SUCH_FILE')
  })

  it('sends through MailApi with a progress line, and files the copy as pending', async () => {
    const { mail, dir } = await fakeMail()
    const ctx = makeContext(dir, { stderr: capture(true) })
    const sent = await sendMail(mail, { to: ['bob@tor-net'], subject: 'Hello', text: 'Hi Bob', attachments: [{ filename: 'x.txt', contentType: 'text/plain', content: Buffer.from('x') }] }, ctx)
    const err = ctx.stderr.text()
    expect(err).toContain('\rstamping (proof of work against spam): 120.00 k hashes of about 1.00 M')
    expect(err).toContain('pushing to mailbox hosts: 3/3 accepted')
    expect(ctx.stdout.text()).toContain(`sent     ${sent.id}\n`)
    expect(ctx.stdout.text()).toContain('state    pending\n')
    const page = await mail.list('sent')
    expect(page.messages.map(m => [m.id, m.subject, m.delivery, m.attachments])).toEqual([[sent.id, 'Hello', 'pending', 1]])
  })

  it('needs a mailbox', async () => {
    const { mail, dir } = await fakeMail(false)
    await expectCode(sendMail(mail, { to: ['bob@tor-net'], subject: 's', text: 't' }, makeContext(dir)), 'CLI_NO_MAILBOX')
    expect(mail.sends).toEqual([])
  })

  it('words every phase', () => {
    expect(progressText({ phase: 'resolving' })).toMatch(/resolving/)
    expect(progressText({ phase: 'stamping', done: 5 })).toBe('stamping (proof of work against spam): 5 hashes')
    expect(progressText({ phase: 'publishing' })).toMatch(/publishing/)
    expect(progressText({ phase: 'pushing', done: 1 })).toBe('pushing to mailbox hosts: 1 accepted')
    expect(progressText({ phase: 'done' })).toBe('sent')
  })
})
