import { readFile, stat } from 'node:fs/promises'
import { basename } from 'node:path'
import { parseArgs } from 'node:util'
import {
  MAX_PLAIN_BYTES, MailError, MailErrorCode, type AttachmentInput, type MailApi, type MessageSummary, type OutgoingMail,
  type SendProgress, normalizeAddress
} from '../../node/index.js'
import { contentTypeFor } from '../../gateway/content-type.js'
import type { CliContext, Command } from '../command.js'
import { CommandErrorCode, commandError } from '../command-errors.js'
import { usageError } from '../errors.js'
import { formatBytes } from '../format-bytes.js'
import { formatCount } from '../format.js'
import { preferredAddress, requireMailbox, withMail } from '../mail-session.js'
import { ProgressLine } from '../progress-line.js'
import { REPLICATION_USAGE, replicateOrWarn, replicationFlags } from '../replicate.js'


export const mailSendCommand: Command = {
  name: 'mail send',
  summary: 'send a message (sealed to the recipient, stamped with proof of work)',
  joinsNetwork: true,
  usage: `Usage: tornet mail send --to ADDR [--to ADDR…] [--cc ADDR…] --subject S (--body TEXT | --body-file F) [--attach FILE…]

Composes an RFC 5322 message, seals it to each recipient (only they can open it, and only
they learn who sent it), stamps it with proof of work (a few seconds), publishes it and
pushes it to the recipient's mailbox hosts. The copy in "sent" shows pending until the
recipient's signed receipt arrives, then delivered (see tornet mail list --folder sent).
ADDR is NAME@tor-net, NAME@bit or <52 base32 digits>@tor-net; several may be given with
repeated --to or separated by commas. --attach takes one or more files.
This command's node stops when it ends, so before it does it asks nodes near the sealed
message's chunks to cache a copy (the recipient fetches them later, perhaps much later).

Options:
${REPLICATION_USAGE}`,
  async run (argv, ctx) {
    const { mail, replicas, waitMs } = await parseSendOptions(argv)
    await withMail(ctx, 'required', async (api, node) => {
      // The sealed message's chunks are the local chunks the send adds (pinned until the receipt).
      const before = new Set(node.chunkIds('local').map(id => id.toString('hex')))
      await sendMail(api, mail, ctx)
      const fresh = node.chunkIds('local').filter(id => !before.has(id.toString('hex')))
      await replicateOrWarn(node, ctx, 'the message', async () => fresh, replicas, waitMs)
    })
  }
}

function addressList (values: string[] | undefined): string[] {
  return (values ?? []).flatMap(v => v.split(',')).map(s => s.trim()).filter(s => s !== '').map(normalizeAddress)
}

/** The message the command line describes, files read; every mistake is reported before the node starts. */
export async function parseSend (argv: string[]): Promise<OutgoingMail> {
  return (await parseSendOptions(argv)).mail
}

export async function parseSendOptions (argv: string[]): Promise<{ mail: OutgoingMail, replicas: number, waitMs: number }> {
  const { values, positionals } = parseArgs({
    args: argv,
    options: {
      to: { type: 'string', multiple: true },
      cc: { type: 'string', multiple: true },
      subject: { type: 'string' },
      body: { type: 'string' },
      'body-file': { type: 'string' },
      attach: { type: 'string', multiple: true },
      replicas: { type: 'string' },
      wait: { type: 'string' }
    },
    strict: true,
    allowPositionals: true
  })
  const to = addressList(values.to)
  const cc = addressList(values.cc)
  if (to.length === 0) throw usageError('give the recipient with --to ADDR (NAME@tor-net, NAME@bit or <key>@tor-net)')
  if (values.subject === undefined) throw usageError('give a subject with --subject S (it may be empty: --subject "")')
  if ((values.body === undefined) === (values['body-file'] === undefined)) throw usageError('give the text with --body TEXT or --body-file FILE (one of them)')
  // `--attach a b c`: the files after --attach arrive as positionals.
  if (positionals.length > 0 && values.attach === undefined) throw usageError(`unexpected '${positionals[0]}': files to attach follow --attach`)
  const files = [...(values.attach ?? []), ...positionals]
  const text = values.body ?? (await readLocal(values['body-file'] as string)).toString('utf8')
  const mail: OutgoingMail = { to, subject: values.subject, text }
  if (cc.length > 0) mail.cc = cc
  if (files.length > 0) mail.attachments = await readAttachments(files)
  const { replicas, waitMs } = replicationFlags(values)
  return { mail, replicas, waitMs }
}

async function readLocal (file: string): Promise<Buffer> {
  try {
    return await readFile(file)
  } catch (err) {
    throw commandError(CommandErrorCode.NO_SUCH_FILE, `cannot read ${file}: ${(err as Error).message}`, err)
  }
}

async function readAttachments (files: string[]): Promise<AttachmentInput[]> {
  // Sizes first: a message carries at most MAX_PLAIN_BYTES, base64 included, so a huge file is
  // refused before it is read into memory.
  const limit = Math.floor(MAX_PLAIN_BYTES * 3 / 4)
  let total = 0
  for (const f of files) {
    let s
    try { s = await stat(f) } catch (err) { throw commandError(CommandErrorCode.NO_SUCH_FILE, `cannot attach ${f}: ${(err as Error).message}`, err) }
    if (!s.isFile()) throw usageError(`cannot attach ${f}: not a file (attach files one by one, or publish a folder and send its link)`)
    total += s.size
  }
  if (total > limit) {
    throw new MailError(MailErrorCode.OVERSIZED, `the attachments total ${formatBytes(total)}; one message carries at most ${formatBytes(limit)}. ` +
      'Publish large files with `tornet publish` and send the link instead')
  }
  return await Promise.all(files.map(async f => ({ filename: basename(f), contentType: contentTypeFor(f), content: await readLocal(f) })))
}

export function progressText (p: SendProgress): string {
  switch (p.phase) {
    case 'resolving': return 'resolving recipients…'
    case 'stamping': return `stamping (proof of work against spam): ${formatCount(p.done ?? 0)} hashes${p.total === undefined ? '' : ` of about ${formatCount(p.total)}`}`
    case 'publishing': return 'publishing the sealed message…'
    case 'pushing': return `pushing to mailbox hosts: ${p.done ?? 0}${p.total === undefined ? '' : `/${p.total}`} accepted`
    case 'done': return 'sent'
  }
}

export async function sendMail (api: MailApi, mail: OutgoingMail, ctx: CliContext): Promise<MessageSummary> {
  const box = requireMailbox(api)
  const line = new ProgressLine(ctx.stderr, ctx.now)
  let sent: MessageSummary
  try {
    sent = await api.send(mail, { signal: ctx.signal, onProgress: (p) => { line.update(progressText(p)) } })
  } finally {
    line.end()
  }
  const size = formatBytes(sent.size)
  ctx.stdout.write(`sent     ${sent.id}\nfrom     ${preferredAddress(box)}\nto       ${[...mail.to, ...(mail.cc ?? [])].join(', ')}\n` +
    `size     ${size}\nstate    ${sent.delivery ?? 'pending'}\n`)
  if (sent.delivery !== 'delivered') ctx.stderr.write('it shows delivered once the recipient\'s receipt arrives: tornet mail list --folder sent\n')
  return sent
}
