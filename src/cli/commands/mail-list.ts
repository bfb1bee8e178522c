import { parseArgs } from 'node:util'
import { MAIL_FOLDERS, type MailApi, type MailFolder, type MessagePage, type MessageSummary } from '../../node/index.js'
import type { CliContext, Command } from '../command.js'
import { usageError } from '../errors.js'
import { intFlag } from '../flags.js'
import { formatTime } from '../format-bytes.js'
import { requireMailbox, withMail } from '../mail-session.js'
import { formatTable } from '../text-table.js'
import { printableLine } from '../terminal-text.js'

export const mailListCommand: Command = {
  name: 'mail list',
  summary: 'list the messages of a mail folder, newest first',
  usage: `Usage: tornet mail list [--folder F] [--search TEXT] [--offset N] [--limit N]

Lists a folder (${MAIL_FOLDERS.join(', ')}; default inbox), newest first, 50 at a time:
id, date, sender (recipients in sent and drafts), subject and state (unread; pending or
delivered for sent mail; the reason for mail kept aside). --search matches sender and
subject, ignoring case. Read one with: tornet mail read ID
New mail arrives with tornet mail check (a running node checks by itself).
`,
  async run (argv, ctx) {
    const opts = parseList(argv)
    await withMail(ctx, 'local', async (mail) => { await listMail(mail, opts, ctx) })
  }
}

export interface ListRequest {
  folder: MailFolder
  offset: number
  limit: number
  search?: string
}

export function parseList (argv: string[]): ListRequest {
  const { values } = parseArgs({
    args: argv,
    options: { folder: { type: 'string' }, search: { type: 'string' }, offset: { type: 'string' }, limit: { type: 'string' } },
    strict: true,
    allowPositionals: false
  })
  const folder = (values.folder ?? 'inbox').toLowerCase()
  if (!(MAIL_FOLDERS as readonly string[]).includes(folder)) throw usageError(`--folder is one of ${MAIL_FOLDERS.join(', ')}, not '${values.folder ?? ''}'`)
  const req: ListRequest = {
    folder: folder as MailFolder,
    offset: values.offset === undefined ? 0 : intFlag('--offset', values.offset, 0, 1_000_000_000),
    limit: values.limit === undefined ? 50 : intFlag('--limit', values.limit, 1, 1000)
  }
  if (values.search !== undefined && values.search.trim() !== '') req.search = values.search
  return req
}

function stateOf (m: MessageSummary): string {
  const s: string[] = []
  if (m.unread) s.push('unread')
  if (m.delivery !== undefined) s.push(m.delivery)
  if (m.asideReason !== undefined) s.push(printableLine(m.asideReason))
  if (m.attachments > 0) s.push(`${m.attachments} file${m.attachments === 1 ? '' : 's'}`)
  return s.join(', ')
}

function clip (text: string, n: number): string {
  return text.length <= n ? text : text.slice(0, n - 1) + '…'
}

export async function listMail (api: MailApi, req: ListRequest, ctx: CliContext): Promise<MessagePage> {
  requireMailbox(api)
  const page = await api.list(req.folder, { offset: req.offset, limit: req.limit, search: req.search })
  const what = req.search === undefined ? '' : ` matching "${req.search}"`
  ctx.stderr.write(`${req.folder}: ${page.total} message${page.total === 1 ? '' : 's'}${what}, ${page.unread} unread\n`)
  if (page.messages.length === 0) return page
  const outgoing = req.folder === 'sent' || req.folder === 'drafts'
  ctx.stdout.write(formatTable(['ID', 'DATE', outgoing ? 'TO' : 'FROM', 'SUBJECT', 'STATE'], page.messages.map(m => [
    m.id,
    formatTime(m.date).replace(' UTC', ''),
    clip(printableLine(outgoing ? m.to.join(', ') : m.from), 40),
    clip(printableLine(m.subject.replace(/\s+/g, ' ')), 50),
    stateOf(m)
  ])))
  const shown = req.offset + page.messages.length
  if (shown < page.total) ctx.stderr.write(`more: tornet mail list --folder ${req.folder} --offset ${shown}\n`)
  return page
}
