import { parseArgs } from 'node:util'
import type { CheckResult, MailApi } from '../../node/index.js'
import type { CliContext, Command } from '../command.js'
import { preferredAddress, requireMailbox, withMail } from '../mail-session.js'

export const mailCheckCommand: Command = {
  name: 'mail check',
  summary: 'collect new mail from the mailbox hosts (and receipts for mail sent)',
  joinsNetwork: true,
  usage: `Usage: tornet mail check

Asks the mailbox's hosts for what was pushed to it, fetches and opens each message into
the inbox and answers with a signed receipt; receipts for mail sent from here turn it
delivered. A message that cannot be opened is kept in the aside folder with the reason.
A running node (tornet start) does this by itself every few minutes.
`,
  async run (argv, ctx) {
    parseArgs({ args: argv, options: {}, strict: true, allowPositionals: false })
    await withMail(ctx, 'required', async (mail) => { await checkMail(mail, ctx) })
  }
}

export async function checkMail (api: MailApi, ctx: CliContext): Promise<CheckResult> {
  const box = requireMailbox(api)
  ctx.stderr.write(`checking ${preferredAddress(box)}…\n`)
  const r = await api.check()
  const plural = (n: number, one: string, many: string): string => `${n} ${n === 1 ? one : many}`
  ctx.stdout.write(`${plural(r.received, 'new message', 'new messages')}, ${plural(r.receipts, 'receipt', 'receipts')}` +
    (r.aside > 0 ? `, ${plural(r.aside, 'message', 'messages')} kept aside (see tornet mail list --folder aside)` : '') + '\n')
  if (r.received > 0) ctx.stderr.write('read them with: tornet mail list\n')
  return r
}
