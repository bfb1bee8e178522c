import { parseArgs } from 'node:util'
import { loadStationKey, parseTarget } from '../../node/index.js'
import type { Command } from '../command.js'
import { usageError } from '../errors.js'
import { registerName } from '../name-registration.js'
import { withNode } from '../node-session.js'

export const nameRegisterCommand: Command = {
  name: 'name register',
  summary: 'register (or renew) NAME.tor-net for content, a hidden service, a mailbox or a radio station',
  joinsNetwork: true,
  usage: `Usage: tornet name register <name> <target>
       tornet name register <name> --station <label>

Registers <name>.tor-net for this node's identity, or renews it when this identity owns it
already (the target may change). <target> is one of
  <reference>  <reference>.tor-net  http://<reference>.tor-net/   published content
  hidden-service:<64 hex digits>                                  a hidden service's key
  mailbox:<64 hex digits>                                         a mailbox's key
  station:<64 hex digits>                                         a radio station's id
With --station <label>, the target is that station of this data directory (tornet radio
create), and http://<name>.tor-net/ plays it.
A registration carries a proof of work (mined here, "names": { "difficulty": N } bits) and
lasts 30 days: run this command again before then to renew it.
`,
  async run (argv, ctx) {
    const { values, positionals } = parseArgs({ args: argv, options: { station: { type: 'string' } }, strict: true, allowPositionals: true })
    const station = values.station
    if (station !== undefined && positionals.length !== 1) throw usageError('give a name, and with --station no other target')
    if (station === undefined && positionals.length !== 2) throw usageError('give a name and a target (or --station <label>)')
    const name = positionals[0]
    const target = station !== undefined
      ? { kind: 'station' as const, value: loadStationKey(ctx.dataDir, station).publicKey }
      : parseTarget(targetFromUrl(positionals[1]))
    await withNode(ctx, async (node) => {
      const r = await registerName(node, ctx, name, target)
      ctx.stdout.write(`http://${r.name}.tor-net/\n`)
    })
  }
}

/** http://<ref>.tor-net/ → <ref>.tor-net; other forms pass through to parseTarget. */
export function targetFromUrl (text: string): string {
  const m = /^https?:\/\/([^/?#]+)\/?$/i.exec(text.trim())
  if (m !== null) return m[1]
  if (/^https?:\/\//i.test(text.trim())) throw usageError(`'${text}': a name points at the root of published content; leave out the path`)
  return text
}
