import { parseArgs } from 'node:util'
import { isTornetError } from '../../node/index.js'
import type { Command } from '../command.js'
import { CommandErrorCode, commandError } from '../command-errors.js'
import { parseContentAddress, resolveContentAddress } from '../content-address.js'
import { namecoinContextOf } from '../namecoin-context.js'
import { usageError } from '../errors.js'
import { withNode } from '../node-session.js'
import { describePinReport, pinTree } from '../pin-tree.js'

export const unpinCommand: Command = {
  name: 'unpin',
  summary: 'let the cache evict content that was pinned or published here',
  joinsNetwork: true,
  usage: `Usage: tornet unpin <reference>[/path]

Moves every chunk of the content that is in this node's store from the pinned (never evicted)
part to the cache, where it stays until the cache needs room. Works on the local store only:
nothing is fetched. Content this node published is pinned too; unpinning it means this node
may stop serving it. Chunks shared with other content (the same file published twice) are
unpinned for that content too. Also accepts http://<ref>.tor-net/path and <name>.tor-net/path.
`,
  async run (argv, ctx) {
    const { positionals } = parseArgs({ args: argv, options: {}, strict: true, allowPositionals: true })
    if (positionals.length !== 1) throw usageError('give exactly one reference to unpin')
    const address = parseContentAddress(positionals[0])
    await withNode(ctx, async (node) => {
      const where = await resolveContentAddress(node, address, { signal: ctx.signal, namecoin: namecoinContextOf(ctx) })
      let report
      try {
        report = await pinTree(node, ctx, where.reference, where.path, 'unpin')
      } catch (err) {
        if (ctx.signal.aborted || !isTornetError(err) || err.code === CommandErrorCode.INTERRUPTED) throw err
        throw commandError(CommandErrorCode.NOT_FOUND, `nothing to unpin: ${positionals[0]} is not in this node's store (${err.message})`, err)
      }
      ctx.stdout.write(`${describePinReport('unpin', report)}\n`)
    }, { network: address.isReference ? 'local' : 'optional' })
  }
}
