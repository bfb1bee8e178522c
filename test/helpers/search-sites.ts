import type { PublishEntry, TornetNode } from '../../src/node/index.js'
import { type CorpusPage, pageHtml } from './search-corpus.js'

export function fileEntry (path: string, text: string): PublishEntry {
  const bytes = Buffer.from(text, 'utf8')
  return { path, kind: 'file', size: bytes.length, open: async function * () { yield bytes } }
}

/**
 * Publishes `pages` as one site on `node`: page-N.html each, and an
 * index.html listing them (plus `links`, other sites' addresses). Returns the
 * reference labels (no `.tor-net`).
 */
export async function publishSite (node: TornetNode, name: string, pages: CorpusPage[], links: string[] = []): Promise<{ reference: string, pages: string[] }> {
  const paths = pages.map((_, i) => `page-${i}.html`)
  const entries: PublishEntry[] = pages.map((p, i) => fileEntry(paths[i], pageHtml(p)))
  entries.push(fileEntry('index.html', pageHtml({ title: `${name} front page`, text: `Pages of ${name}.` }, [...paths, ...links])))
  const published = await node.publish(entries)
  return { reference: published.host.replace(/\.tor-net$/, ''), pages: paths }
}
