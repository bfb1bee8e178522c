import { parseArgs } from 'node:util'
import type { CrawlSeed } from '../../node/index.js'
import type { Command } from '../command.js'
import { usageError } from '../errors.js'
import { withNode } from '../node-session.js'
import { PublishedList } from '../serve/published-list.js'
import { tagTarget } from '../search-target.js'

export const indexBuildCommand: Command = {
  name: 'index build',
  summary: 'crawl what this node can reach and publish a search index',
  joinsNetwork: true,
  usage: `Usage: tornet index build [REF|NAME.tor-net …] [--max-documents N]

Crawls the content this node published, the names it holds, tagged references and the sites
given, follows their directory listings and the .tor-net links in their pages, extracts titles and
text (HTML, Markdown, plain text), ranks by demand and tags, and publishes the index as chunks:
term shards by hash prefix, document shards, and a manifest this node's kv record "search/index"
points at. Nodes that trust this node's key (config search.trust) search it at
http://search.tor-net/. The index stays reachable while this node (or a cache) serves it.

Options:
  --max-documents N   stop crawling after N documents (default 20000)
`,
  async run (argv, ctx) {
    const { values, positionals } = parseArgs({ args: argv, options: { 'max-documents': { type: 'string' } }, strict: true, allowPositionals: true })
    const max = values['max-documents'] === undefined ? undefined : Number(values['max-documents'])
    if (max !== undefined && (!Number.isInteger(max) || max < 1 || max > 1_000_000)) throw usageError('--max-documents takes a whole number from 1 to 1000000')
    await withNode(ctx, async (node) => {
      const seeds: CrawlSeed[] = []
      for (const p of positionals) {
        const host = /\.tor-net\.?$/i.test(p) && !p.includes('/') ? p.toLowerCase().replace(/\.$/, '') : undefined
        seeds.push({ reference: await tagTarget(node, p, ctx.signal), host: host !== undefined && host.split('.').length === 2 ? host : undefined })
      }
      for (const item of new PublishedList(node).list()) seeds.push({ reference: item.reference, host: item.name === undefined ? undefined : `${item.name}.tor-net` })
      let last = 0
      const r = await node.search.buildIndex({
        seeds,
        maxDocuments: max,
        signal: ctx.signal,
        onProgress: (p) => {
          if (ctx.now() - last < 1000) return
          last = ctx.now()
          if (p.phase === 'crawl') ctx.stderr.write(`crawling: ${p.sites} sites, ${p.documents} documents\n`)
        }
      })
      ctx.stdout.write(
        `documents ${r.documents} from ${r.sites} sites${r.failed > 0 ? ` (${r.failed} failed to load)` : ''}\n` +
        `terms     ${r.terms} in ${r.termShards} term shards; ${r.docShards} document shards\n` +
        `bytes     ${r.bytes} (manifest ${r.manifestBytes})\n` +
        `builder   ${node.identity.publicKey.toString('hex')}\n`)
    })
  }
}
