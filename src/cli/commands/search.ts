import { parseArgs } from 'node:util'
import type { Command } from '../command.js'
import { usageError } from '../errors.js'
import { withNode } from '../node-session.js'

export const searchCommand: Command = {
  name: 'search',
  summary: 'search the indexes of trusted builders',
  joinsNetwork: true,
  usage: `Usage: tornet search <words…> [--limit N]

Reads the newest index of each builder in config search.trust ("self" is this node), fetches the
shards the words need, and prints the best matches: title, address, snippet.
`,
  async run (argv, ctx) {
    const { values, positionals } = parseArgs({ args: argv, options: { limit: { type: 'string' } }, strict: true, allowPositionals: true })
    if (positionals.length === 0) throw usageError('give some words to search for')
    const limit = values.limit === undefined ? 10 : Number(values.limit)
    if (!Number.isInteger(limit) || limit < 1 || limit > 100) throw usageError('--limit takes a whole number from 1 to 100')
    await withNode(ctx, async (node) => {
      const r = await node.search.search(positionals.join(' '), { limit, signal: ctx.signal })
      if (r.hits.length === 0) { ctx.stdout.write('no results\n'); return }
      for (const h of r.hits) ctx.stdout.write(`${h.title}\n  ${h.url}\n  ${h.snippet.slice(0, 160)}\n`)
      ctx.stdout.write(`${r.hits.length} of ${r.total}\n`)
    })
  }
}
