import { mkdtemp, readFile, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { mailReadCommand, parseRead, readMail, safeFileName } from '../../../../src/cli/commands/mail-read.js'
import { composeMessage } from '../../../../src/node/services/mail/message-format.js'
import { makeContext } from '../cli-test-kit.js'
import { expectCode, expectUsageError } from './command-test-kit.js'
import { fakeMail } from './mail-kit.js'

describe('tornet mail read', () => {
  it('reads its arguments', async () => {
    expect(parseRead(['ABCDEF0123456789'])).toEqual({ id: 'abcdef0123456789' })
    expect(parseRead(['0123456789abcdef', '--save', 'out'])).toEqual({ id: '0123456789abcdef', save: 'out' })
    await expectUsageError(mailReadCommand, [])
    await expectUsageError(mailReadCommand, ['a', 'b'])
    await expectUsageError(mailReadCommand, ['../etc'])
  })

  it('shows headers, text and attachments, marks read, and saves the files', async () => {
    const { mail, dir } = await fakeMail()
    const blob = Buffer.from(Array.from({ length: 5000 }, (_, i) => i % 251))
    const { raw } = await composeMessage({
      to: ['me@tor-net'], cc: ['c@tor-net'], subject: 'Files for you', text: 'See attached.\n',
      attachments: [{ filename: '../../evil.bin', contentType: 'application/octet-stream', content: blob }, { filename: 'note.txt', contentType: 'text/plain', content: Buffer.from('hi') }]
    }, 'alice@tor-net', new Date(Date.UTC(2026, 2, 3, 4, 5, 6)))
    const s = await mail.store.add('inbox', raw)
    const out = await mkdtemp(join(dir, 'save-'))
    const ctx = makeContext(dir)
    await readMail(mail, { id: s.id, save: out }, ctx)
    const text = ctx.stdout.text()
    expect(text).toContain('From:     alice@tor-net\n')
    expect(text).toContain('Cc:       c@tor-net\n')
    expect(text).toContain('Date:     2026-03-03 04:05:06 UTC\n')
    expect(text).toContain('Subject:  Files for you\nFolder:   inbox\n\nSee attached.\n')
    expect(text).toContain('[0] evil.bin (application/octet-stream, 4.88 KiB)')
    expect(text).toContain('[1] note.txt (text/plain, 2 B)')
    expect((await readFile(join(out, 'evil.bin'))).equals(blob)).toBe(true) // the path in the name is dropped
    expect(await readFile(join(out, 'note.txt'), 'utf8')).toBe('hi')
    expect((await mail.list('inbox')).unread).toBe(0)
    // Saving again never replaces a file.
    await expectCode(readMail(mail, { id: s.id, save: out }, makeContext(dir)), 'CLI_OUTPUT_EXISTS')
  })

  it('drops escape sequences from what others wrote', async () => {
    const { mail, dir } = await fakeMail()
    const { raw } = await composeMessage({ to: ['me@tor-net'], subject: 'hi\u001b]0;owned\u0007 there', text: 'line\u001b[2J one\r\nline two\n' }, 'a@tor-net')
    const s = await mail.store.add('inbox', raw)
    const ctx = makeContext(dir)
    await readMail(mail, { id: s.id }, ctx)
    expect(ctx.stdout.text()).not.toMatch(/[\u0000-\u0008\u000b-\u001f\u007f-\u009f]/)
    expect(ctx.stdout.text()).toContain('Subject:  hi]0;owned there\n')
    expect(ctx.stdout.text()).toContain('line[2J one\nline two\n')
  })

  it('names a missing message and a missing mailbox', async () => {
    const { mail, dir } = await fakeMail()
    await expectCode(readMail(mail, { id: '0123456789abcdef' }, makeContext(dir)), 'MAIL_NOT_FOUND')
    const none = await fakeMail(false)
    await expectCode(readMail(none.mail, { id: '0123456789abcdef' }, makeContext(none.dir)), 'CLI_NO_MAILBOX')
  })

  it('makes attachment names safe to write', async () => {
    expect(safeFileName('../../etc/passwd', 0)).toBe('passwd')
    expect(safeFileName('C:\\Windows\\x.dll', 0)).toBe('x.dll')
    expect(safeFileName('..', 2)).toBe('attachment-3')
    expect(safeFileName('a\u0000b\nc.txt', 0)).toBe('abc.txt')
  })
})
