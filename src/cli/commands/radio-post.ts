import { parseArgs } from 'node:util'
import { MAX_POST_BYTES, loadStationKey } from '../../node/index.js'
import type { Command } from '../command.js'
import { usageError } from '../errors.js'
import { queuePost } from '../radio-post-spool.js'

export const radioPostCommand: Command = {
  name: 'radio post',
  summary: "post a line of text on a station's live text channel",
  usage: `Usage: tornet radio post <label> <text…>

Queues a signed text post (at most ${MAX_POST_BYTES} bytes) for the station's live text channel;
the running \`tornet radio broadcast <label>\` (or \`npm start\` for welcome-radio) signs and
sends it within a second, and station pages show it live. Posts queued while nothing
broadcasts go out when the broadcast starts.
`,
  async run (argv, ctx) {
    const { positionals } = parseArgs({ args: argv, options: {}, strict: true, allowPositionals: true })
    if (positionals.length < 2) throw usageError('give a station label and the text to post')
    const [label, ...words] = positionals
    loadStationKey(ctx.dataDir, label)
    queuePost(ctx.dataDir, label, words.join(' '))
    ctx.stdout.write(`queued for ${label}: the running broadcast sends it within a second\n`)
  }
}
