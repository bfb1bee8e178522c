import { parseArgs } from 'node:util'
import type { Command } from '../command.js'
import { offlineOr } from '../content-errors.js'
import { parseContentAddress, resolveContentAddress } from '../content-address.js'
import { namecoinContextOf } from '../namecoin-context.js'
import { usageError } from '../errors.js'
import { withNode } from '../node-session.js'
import { describePinReport, pinTree } from '../pin-tree.js'

export const pinCommand: Command = {
  name: 'pin',
  summary: 'keep published content in this node\'s store for good (fetching what is missing)',
  joinsNetwork: true,
  usage: `Usage: tornet pin <reference>[/path]

Fetches every chunk of the content (a file, or a directory and everything below it) that is not
in this node's store yet, and pins them all: pinned chunks are never evicted from the cache, so
this node keeps serving them. Content already in the store is pinned without the network.
Also accepts http://<ref>.tor-net/path and <name>.tor-net/path.
Undo with \`tornet unpin\`.
`,
  async run (argv, ctx) {
    const { positionals } = parseArgs({ args: argv, options: {}, strict: true, allowPositionals: true })
    if (positionals.length !== 1) throw usageError('give exactly one reference to pin')
    const address = parseContentAddress(positionals[0])
    await withNode(ctx, async (node, session) => {
      await offlineOr(session, async () => {
        const where = await resolveContentAddress(node, address, { signal: ctx.signal, namecoin: namecoinContextOf(ctx) })
        const report = await pinTree(node, ctx, where.reference, where.path, 'pin')
        ctx.stdout.write(`${describePinReport('pin', report)}\n`)
      })
    }, { network: 'optional' })
  }
}
