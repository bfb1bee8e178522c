import { parseArgs } from 'node:util'
import type { Command } from '../command.js'
import { usageError } from '../errors.js'
import { withNode } from '../node-session.js'
import { tagTarget } from '../search-target.js'

export const tagCommand: Command = {
  name: 'tag',
  summary: 'tag content with words (signed, for search)',
  joinsNetwork: true,
  usage: `Usage: tornet tag <REF|NAME.tor-net> <word> [word…]

Signs a tag record (this node's key, the target reference, the words, the time) and stores it on
the nodes closest to each word and to the target's root chunk, where anyone can read it
(\`tornet tags\`, \`tornet search-tags\`, http://search.tor-net/tag/<word>) and index builders
weigh it by the tagger's rank and agreement. Words: 1 to 8, each 2 to 32 bytes of letters and
digits (case and accents are folded). This node re-sends its tags every hour while it runs.
`,
  async run (argv, ctx) {
    const { positionals } = parseArgs({ args: argv, options: {}, strict: true, allowPositionals: true })
    if (positionals.length < 2) throw usageError('give a reference or name, then one or more words')
    const [target, ...words] = positionals
    await withNode(ctx, async (node) => {
      const reference = await tagTarget(node, target, ctx.signal)
      const r = await node.search.tag(reference, words, { signal: ctx.signal })
      ctx.stdout.write(`tagged    http://${reference}.tor-net/\nwords     ${r.record.words.join(' ')}\nstored    ${r.stored} copies over ${r.locations} locations\n`)
    })
  }
}
