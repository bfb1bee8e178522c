import { parseArgs } from 'node:util'
import { bridgePasswordPath, DEFAULT_IMAP_PORT, DEFAULT_SMTP_PORT, lastBridgePorts, loadOrCreateBridgePassword, mailClientSettings } from '../../gateway/mail-bridge/index.js'
import type { Command } from '../command.js'
import { usageError } from '../errors.js'

/** Shows the mail-client settings of this data directory's bridge (no node is started). */
export const mailBridgeCommand: Command = {
  name: 'mail bridge',
  summary: 'show the settings for Thunderbird & co. (SMTP/IMAP on 127.0.0.1, user, password)',
  usage: `Usage: tornet mail bridge

Prints what a mail client needs to use this node's mailbox through the mail bridge that
"tornet start --mail-bridge" opens: the IMAP and SMTP ports (of the last run; defaults
${DEFAULT_IMAP_PORT} and ${DEFAULT_SMTP_PORT}), the user name (the mailbox address) and the bridge's
password, made once and kept 0600 in the data directory (delete that file to get a new one).
`,
  async run (argv, ctx) {
    const { positionals } = parseArgs({ args: argv, options: {}, strict: true, allowPositionals: true })
    if (positionals.length > 0) throw usageError(`unexpected '${positionals[0]}': tornet mail bridge takes no arguments`)
    const password = loadOrCreateBridgePassword(ctx.dataDir)
    const last = lastBridgePorts(ctx.dataDir)
    const ports = last ?? { host: '127.0.0.1', smtpPort: DEFAULT_SMTP_PORT, imapPort: DEFAULT_IMAP_PORT }
    ctx.stdout.write(mailClientSettings({ ...ports, password }, undefined))
    ctx.stderr.write(last === undefined
      ? 'the bridge has not run yet: start it with "tornet start --mail-bridge" (these are its default ports)\n'
      : `ports of the last "tornet start --mail-bridge"; the password is kept in ${bridgePasswordPath(ctx.dataDir)}\n`)
  }
}
