import { parseArgs } from 'node:util'
import { listHiddenKeys } from '../../node/index.js'
import type { Command } from '../command.js'
import { formatTable } from '../text-table.js'

export const hiddenListCommand: Command = {
  name: 'hidden list',
  summary: 'list the hidden services whose keys this data directory holds',
  usage: `Usage: tornet hidden list

Lists the hidden services made with \`tornet hidden add\`: name, target and key (the address
hidden-service:<key>; NAME.tor-net when registered). A damaged key file is listed with the reason.
`,
  async run (argv, ctx) {
    parseArgs({ args: argv, options: {}, strict: true, allowPositionals: false })
    const keys = listHiddenKeys(ctx.dataDir)
    if (keys.length === 0) {
      ctx.stderr.write('no hidden services yet: serve one with `tornet hidden add NAME --to 127.0.0.1:PORT`\n')
      return
    }
    ctx.stdout.write(formatTable(['NAME', 'TARGET', 'KEY'], keys.map(k => 'error' in k
      ? [k.name, '-', `unusable: ${k.error}`]
      : [k.name, `${k.target.host.includes(':') ? `[${k.target.host}]` : k.target.host}:${k.target.port}`, k.publicKey.toString('hex')])))
  }
}
