import { TORNET_SUFFIX } from '../../constants.js'
import { formatReference } from '../content/reference.js'
import type { NamesService } from '../names/names-service.js'
import type { CrawlSeed } from './crawler.js'

/** Crawl seeds from the names registry: every content name this node owns or holds for others, as `<name>.tor-net`. */
export function searchSeeds (names: Pick<NamesService, 'registry'>): CrawlSeed[] {
  const out: CrawlSeed[] = []
  for (const chain of names.registry.chains()) {
    const head = chain.head
    if (head.target.kind !== 'content' || head.target.value.length < 64) continue
    out.push({ reference: formatReference({ id: head.target.value.subarray(0, 32), key: head.target.value.subarray(32, 64) }), host: `${head.name}${TORNET_SUFFIX}` })
  }
  return out
}
