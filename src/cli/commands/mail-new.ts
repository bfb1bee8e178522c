import { parseArgs } from 'node:util'
import { type MailApi, type MailboxInfo, parseAddress } from '../../node/index.js'
import type { CliContext, Command } from '../command.js'
import { usageError } from '../errors.js'
import { withMail } from '../mail-session.js'

export const mailNewCommand: Command = {
  name: 'mail new',
  summary: 'make this data directory a mailbox (keys kept 0600), optionally NAME@tor-net',
  joinsNetwork: true,
  usage: `Usage: tornet mail new [--name NAME]

Makes a mailbox: an ed25519 signing key and an X25519 encryption key saved in the data
directory (mode 0600), announced to the nodes nearest its id, which then take mail for it.
Its address is always <52 base32 digits>@tor-net; with --name NAME it is also NAME@tor-net
(registers NAME.tor-net for the mailbox, with the name's proof of work). Run it again with
--name to add a name to an existing mailbox.
Then: tornet mail send --to ADDR --subject S --body TEXT
      tornet mail check ; tornet mail list ; tornet mail read ID
`,
  async run (argv, ctx) {
    const { values, positionals } = parseArgs({ args: argv, options: { name: { type: 'string' } }, strict: true, allowPositionals: true })
    if (positionals.length > 0) throw usageError(`unexpected '${positionals[0]}': the only option is --name NAME`)
    const name = values.name === undefined ? undefined : checkedName(values.name)
    await withMail(ctx, 'required', async (mail) => { await newMailbox(mail, name, ctx) })
  }
}

/** NAME as the address NAME@tor-net will spell it (refused before any work starts). */
export function checkedName (text: string): string {
  const bare = text.trim().replace(/@tor-net$/i, '').replace(/\.tor-net$/i, '')
  const parsed = parseAddress(`${bare}@tor-net`)
  if (parsed.kind !== 'name') throw usageError(`--name takes a name (alice, not a key): '${text}'`)
  return parsed.name
}

export async function newMailbox (mail: MailApi, name: string | undefined, ctx: CliContext): Promise<MailboxInfo> {
  const existing = mail.mailbox()
  if (existing !== undefined && name === undefined) {
    ctx.stderr.write('this data directory has a mailbox already (one per data directory); add a name with --name NAME\n')
    printMailbox(existing, ctx)
    return existing
  }
  if (name !== undefined) ctx.stderr.write(`registering ${name}.tor-net for the mailbox (proof of work: this may take a moment)…\n`)
  const box = await mail.createMailbox(name === undefined ? {} : { name })
  printMailbox(box, ctx)
  return box
}

function printMailbox (box: MailboxInfo, ctx: CliContext): void {
  ctx.stdout.write(`address  ${box.address}\n`)
  for (const n of box.names) ctx.stdout.write(`name     ${n}\n`)
  ctx.stdout.write(`id       ${box.id.toString('hex')}\n`)
}
