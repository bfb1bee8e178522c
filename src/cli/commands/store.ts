import { parseArgs } from 'node:util'
import type { Command } from '../command.js'
import { formatBytes } from '../format-bytes.js'
import { withNode } from '../node-session.js'

export const storeCommand: Command = {
  name: 'store',
  summary: "show this node's storage: pinned and cached chunks, the cache limit",
  usage: `Usage: tornet store

Shows what this node's store holds, without touching the network:
  pinned  chunks of content published or pinned here; never evicted
  cache   chunks held for others; evicted, least valuable first, to stay under the limit
The cache limit is "storage": { "cacheBytes": N } in config.json.
`,
  async run (argv, ctx) {
    parseArgs({ args: argv, options: {}, strict: true, allowPositionals: false })
    await withNode(ctx, async (node) => {
      const u = node.storeUsage()
      const share = u.cacheLimit > 0 ? ` (${(100 * u.cacheBytes / u.cacheLimit).toFixed(1)}% of the limit)` : ''
      ctx.stdout.write(
        `data dir     ${ctx.dataDir}\n` +
        `pinned       ${plural(u.localCount, 'chunk')}, ${formatBytes(u.localBytes)} (${u.localBytes} bytes)\n` +
        `cache        ${plural(u.cacheCount, 'chunk')}, ${formatBytes(u.cacheBytes)} (${u.cacheBytes} bytes)${share}\n` +
        `cache limit  ${formatBytes(u.cacheLimit)} (${u.cacheLimit} bytes)\n` +
        `total        ${plural(u.localCount + u.cacheCount, 'chunk')}, ${formatBytes(u.localBytes + u.cacheBytes)}\n`)
    }, { network: 'none' })
  }
}

function plural (n: number, word: string): string {
  return `${n} ${word}${n === 1 ? '' : 's'}`
}
