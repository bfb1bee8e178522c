import type { TornetNode } from '../../node/index.js'

/**
 * The demo's search: the publisher tags the sample site, and the gateway's
 * node (which trusts its own index: config search.trust defaults to "self")
 * crawls the sample site and publishes an index of it, so
 * http://search.tor-net/ answers at once.
 */
export const DEMO_TAGS = ['welcome', 'sample', 'demo']

export async function startDemoSearch (o: { builder: TornetNode, tagger: TornetNode, reference: string, host: string, signal?: AbortSignal, onStep: (m: string) => void }): Promise<{ documents: number }> {
  o.onStep(`tagging the sample site with "${DEMO_TAGS.join(' ')}" from demo node 1`)
  await o.tagger.search.tag(o.reference, DEMO_TAGS, { signal: o.signal })
  o.onStep('building a search index of the sample content on the gateway node')
  const built = await o.builder.search.buildIndex({ seeds: [{ reference: o.reference, host: o.host }], signal: o.signal })
  o.onStep(`search index published: ${built.documents} documents, ${built.termShards + built.docShards + 1} chunks`)
  return { documents: built.documents }
}

export function searchInstructions (): string {
  return `  Search the sample content (Firefox can add it as a search engine from that page):
    http://search.tor-net/?q=tornet
    http://search.tor-net/tag/welcome   content tagged "welcome"

`
}
