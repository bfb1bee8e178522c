import { parseArgs } from 'node:util'
import { createStationKey } from '../../node/index.js'
import type { Command } from '../command.js'
import { usageError } from '../errors.js'
import { stationUrl } from '../station-url.js'

export const radioCreateCommand: Command = {
  name: 'radio create',
  summary: 'make a radio station (a key pair kept in the data directory)',
  usage: `Usage: tornet radio create <label>

Makes a station: an ed25519 key pair saved as <data dir>/stations/<label>.json (mode 0600).
Prints the station id (its public key, 64 hex digits) and the address that plays it.
Then: tornet radio broadcast <label> <file|folder|->
      tornet name register <name> --station <label>   (to play it at http://<name>.tor-net/)
`,
  async run (argv, ctx) {
    const { positionals } = parseArgs({ args: argv, options: {}, strict: true, allowPositionals: true })
    if (positionals.length !== 1) throw usageError('give the new station a label')
    const key = createStationKey(ctx.dataDir, positionals[0])
    const id = key.publicKey.toString('hex')
    ctx.stdout.write(`station  ${key.label}\nid       ${id}\nurl      ${stationUrl(ctx.dataDir, id)}\n`)
    ctx.stderr.write(`broadcast with: tornet radio broadcast ${key.label} <file|folder|->\n`)
  }
}
