import { parseArgs } from 'node:util'
import { tagWord } from '../../node/index.js'
import type { Command } from '../command.js'
import { usageError } from '../errors.js'
import { withNode } from '../node-session.js'

export const searchTagsCommand: Command = {
  name: 'search-tags',
  summary: 'list content tagged with a word, heaviest first',
  joinsNetwork: true,
  usage: `Usage: tornet search-tags <word>

Reads the tags stored under <word>, checks every signature, weighs each by its tagger's rank,
by how many taggers agree, and less for keys that tag very many targets, and prints the tagged
addresses, heaviest first.
`,
  async run (argv, ctx) {
    const { positionals } = parseArgs({ args: argv, options: {}, strict: true, allowPositionals: true })
    if (positionals.length !== 1) throw usageError('give exactly one word')
    const word = tagWord(positionals[0])
    if (word === undefined) throw usageError(`'${positionals[0]}' is not a tag word: 2 to 32 bytes of letters and digits, not a stop word`)
    await withNode(ctx, async (node) => {
      const targets = await node.search.taggedWith(word, { signal: ctx.signal })
      if (targets.length === 0) { ctx.stdout.write(`nothing is tagged "${word}"\n`); return }
      for (const t of targets) {
        const weight = t.words.find(w => w.word === word)?.weight ?? 0
        ctx.stdout.write(`${weight.toFixed(2).padStart(7)}  http://${t.target}.tor-net/  (${t.taggers} tagger${t.taggers === 1 ? '' : 's'}; ${t.words.map(w => w.word).join(' ')})\n`)
      }
    })
  }
}
