import { parseArgs } from 'node:util'
import type { Command } from '../command.js'
import { formatTime } from '../format-bytes.js'
import { usageError } from '../errors.js'
import { withNode } from '../node-session.js'
import { tagTarget } from '../search-target.js'

export const tagsCommand: Command = {
  name: 'tags',
  summary: 'list the signed tags on a reference or name',
  joinsNetwork: true,
  usage: `Usage: tornet tags <REF|NAME.tor-net>

Reads the tags stored with the target's root chunk, checks every signature, and prints each
tagger's words and when they tagged it, newest first.
`,
  async run (argv, ctx) {
    const { positionals } = parseArgs({ args: argv, options: {}, strict: true, allowPositionals: true })
    if (positionals.length !== 1) throw usageError('give exactly one reference or name')
    await withNode(ctx, async (node) => {
      const reference = await tagTarget(node, positionals[0], ctx.signal)
      const tags = await node.search.tagsOn(reference, { signal: ctx.signal })
      if (tags.length === 0) { ctx.stdout.write('no tags\n'); return }
      for (const t of tags) ctx.stdout.write(`${t.tagger.toString('hex').slice(0, 16)}…  ${formatTime(t.time)}  ${t.words.join(' ')}\n`)
    })
  }
}
