import { parseArgs } from 'node:util'
import { describeTarget } from '../../node/index.js'
import type { Command } from '../command.js'
import { usageError } from '../errors.js'
import { formatTime } from '../format-bytes.js'
import { withNode } from '../node-session.js'

export const nameShowCommand: Command = {
  name: 'name show',
  summary: 'look up NAME.tor-net: owner, target, dates, history',
  joinsNetwork: true,
  usage: `Usage: tornet name show <name>

Reads <name>.tor-net from the nodes that hold it, checks every signature and proof of work, and
prints the registration most of them agree on: owner, target, when it was created and expires,
since when this owner holds the name, and how many renewals the history holds.
`,
  async run (argv, ctx) {
    const { positionals } = parseArgs({ args: argv, options: {}, strict: true, allowPositionals: true })
    if (positionals.length !== 1) throw usageError('give exactly one name')
    const name = positionals[0].replace(/\.tor-net\.?$/i, '')
    await withNode(ctx, async (node) => {
      const r = await node.names.lookup(name, { signal: ctx.signal })
      const t = describeTarget(r.target)
      ctx.stdout.write(
        `name      ${r.name}.tor-net\n` +
        `owner     ${r.owner.toString('hex')}${r.owner.equals(node.identity.publicKey) ? ' (this node)' : ''}\n` +
        `target    ${t.kind === 'content' ? `http://${t.reference}.tor-net/` : `${t.kind}:${t.publicKey}`}\n` +
        `created   ${formatTime(r.created)}\n` +
        `expires   ${formatTime(r.expires)}\n` +
        `since     ${formatTime(r.since)} (this owner's first registration)\n` +
        `history   ${r.history.length} registration${r.history.length === 1 ? '' : 's'}\n` +
        `agreement ${r.votes} of ${r.answers} answers\n`)
    })
  }
}
