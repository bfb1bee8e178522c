import { parseArgs } from 'node:util'
import { listStationKeys } from '../../node/index.js'
import type { Command } from '../command.js'
import { stationUrl } from '../station-url.js'
import { formatTable } from '../text-table.js'

export const radioListCommand: Command = {
  name: 'radio list',
  summary: 'list the radio stations whose keys this data directory holds',
  usage: `Usage: tornet radio list

Lists the stations made with \`tornet radio create\`: label, id and the address that plays them.
`,
  async run (argv, ctx) {
    parseArgs({ args: argv, options: {}, strict: true, allowPositionals: false })
    const stations = listStationKeys(ctx.dataDir)
    if (stations.length === 0) {
      ctx.stderr.write('no stations yet: make one with `tornet radio create <label>`\n')
      return
    }
    ctx.stdout.write(formatTable(['LABEL', 'ID', 'URL'], stations.map(s => {
      const id = s.publicKey.toString('hex')
      return [s.label, id, stationUrl(ctx.dataDir, id)]
    })))
  }
}
