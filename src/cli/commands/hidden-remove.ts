import { parseArgs } from 'node:util'
import { deleteHiddenKey } from '../../node/index.js'
import type { Command } from '../command.js'
import { cliError, usageError } from '../errors.js'

export const hiddenRemoveCommand: Command = {
  name: 'hidden remove',
  summary: 'delete a hidden service\'s key (its address is gone for good)',
  usage: `Usage: tornet hidden remove <name>

Deletes <data-dir>/hidden/<name>.json. The service's address (its key) cannot be served again;
a later \`tornet hidden add <name>\` makes a new key. Its descriptor expires within 3 hours and its
<name>.tor-net registration when not renewed. Stop a running \`tornet hidden add\` first.
`,
  async run (argv, ctx) {
    const { positionals } = parseArgs({ args: argv, options: {}, strict: true, allowPositionals: true })
    if (positionals.length !== 1) throw usageError('give one hidden service name')
    if (!deleteHiddenKey(ctx.dataDir, positionals[0])) {
      throw cliError('CLI_USAGE', `no hidden service named "${positionals[0]}" in ${ctx.dataDir} (see \`tornet hidden list\`)`)
    }
    ctx.stdout.write(`removed hidden service ${positionals[0]}\n`)
  }
}
