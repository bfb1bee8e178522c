import { mkdir, writeFile } from 'node:fs/promises'
import { basename, join } from 'node:path'
import { parseArgs } from 'node:util'
import { MailError, MailErrorCode, type MailApi, type MessageView } from '../../node/index.js'
import type { CliContext, Command } from '../command.js'
import { CommandErrorCode, commandError } from '../command-errors.js'
import { usageError } from '../errors.js'
import { formatBytes, formatTime } from '../format-bytes.js'
import { requireMailbox, withMail } from '../mail-session.js'
import { printableLine, printableText } from '../terminal-text.js'

export const mailReadCommand: Command = {
  name: 'mail read',
  summary: 'show a message (and save its attachments with --save DIR)',
  usage: `Usage: tornet mail read ID [--save DIR]

Shows the message ID (from tornet mail list): its headers and its text, then its
attachments. --save DIR writes the attachments into DIR (an existing file is never
replaced). Reading marks it read. HTML mail is shown as its text part; the webmail
(http://mail.tor-net/) shows the HTML, sandboxed.
`,
  async run (argv, ctx) {
    const req = parseRead(argv)
    await withMail(ctx, 'local', async (mail) => { await readMail(mail, req, ctx) })
  }
}

export interface ReadRequest { id: string, save?: string }

export function parseRead (argv: string[]): ReadRequest {
  const { values, positionals } = parseArgs({ args: argv, options: { save: { type: 'string' } }, strict: true, allowPositionals: true })
  if (positionals.length !== 1) throw usageError('give one message id (see tornet mail list)')
  const id = positionals[0].trim().toLowerCase()
  if (!/^[0-9a-f]{1,64}$/.test(id)) throw usageError(`'${positionals[0]}' is not a message id (hex digits, as tornet mail list shows them)`)
  return values.save === undefined ? { id } : { id, save: values.save }
}

/** A file name from a message, made safe to create in a directory of the user's. */
export function safeFileName (name: string, index: number): string {
  const clean = printableLine(basename(name.replace(/\\/g, '/'))).trim()
  return clean === '' || clean === '.' || clean === '..' ? `attachment-${index + 1}` : clean.slice(0, 200)
}

export async function readMail (api: MailApi, req: ReadRequest, ctx: CliContext): Promise<MessageView> {
  requireMailbox(api)
  const m = await api.read(req.id)
  if (m === undefined) throw new MailError(MailErrorCode.NOT_FOUND, `no message ${req.id} in this mailbox: see tornet mail list (--folder sent, trash, …)`)
  const p = printableLine
  const head = [`From:     ${p(m.from)}`, `To:       ${p(m.to.join(', '))}`]
  if (m.cc.length > 0) head.push(`Cc:       ${p(m.cc.join(', '))}`)
  head.push(`Date:     ${formatTime(m.date)}`, `Subject:  ${p(m.subject)}`, `Folder:   ${m.folder}`)
  if (m.delivery !== undefined) head.push(`Delivery: ${m.delivery}`)
  if (m.asideReason !== undefined) head.push(`Aside:    ${p(m.asideReason)}`)
  const body = m.text ?? (m.html !== undefined ? '(HTML only: open it in the webmail, http://mail.tor-net/)' : '')
  ctx.stdout.write(head.join('\n') + '\n\n' + printableText(body).replace(/\s*$/, '') + '\n')
  if (m.attachmentList.length > 0) {
    ctx.stdout.write('\nAttachments:\n')
    for (const a of m.attachmentList) ctx.stdout.write(`  [${a.index}] ${safeFileName(a.filename, a.index)} (${p(a.contentType)}, ${formatBytes(a.size)})\n`)
  }
  if (req.save !== undefined && m.attachmentList.length > 0) await saveAttachments(api, m, req.save, ctx)
  if (m.unread) await api.setUnread(m.id, false)
  return m
}

async function saveAttachments (api: MailApi, m: MessageView, dir: string, ctx: CliContext): Promise<void> {
  await mkdir(dir, { recursive: true })
  for (const info of m.attachmentList) {
    const a = await api.attachment(m.id, info.index)
    if (a === undefined) continue
    const file = join(dir, safeFileName(a.filename, info.index))
    try {
      await writeFile(file, a.content, { flag: 'wx' })
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'EEXIST') {
        throw commandError(CommandErrorCode.OUTPUT_EXISTS, `${file} exists already: move it away or save into another directory`, err)
      }
      throw err
    }
    ctx.stderr.write(`saved ${file}\n`)
  }
}
