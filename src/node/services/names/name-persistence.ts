import { tryDecode } from '../../wire/codec.js'
import { type RecordLoadStats, type RecordPersistence, emptyLoadStats } from '../records/persistence.js'
import { type ChainVerdict, type VerifiedChain, decodeChain } from './chain.js'
import { nameKey } from './name.js'
import type { Registration } from './registration.js'

/**
 * Where the names service keeps what must outlive a restart: the chains it
 * holds for others (NameRegistry) and the chains of the names it owns (which
 * it renews). The node backs each with an LMDB database; tests with a Map.
 *
 * Key: nameKey(name), 32 bytes (SHA-256("name:" ‖ name)). Value: the chain
 * as encodeChain writes it (chain.ts), the same bytes replicas exchange.
 */
export type NamePersistence = RecordPersistence
export type NameLoadStats = RecordLoadStats
export { emptyLoadStats }

/**
 * The saved chains that decode, are unexpired and pass `verify`, lazily (so a
 * caller that stops at its bound reads no further). Expired chains are counted
 * and removed from the disk; undecodable or unverified ones are counted and
 * left there.
 */
export function * savedChains (p: NamePersistence, now: number, stats: NameLoadStats, verify: (links: Registration[]) => ChainVerdict): Iterable<{ chain: VerifiedChain, bytes: Uint8Array }> {
  for (const bytes of p.load()) {
    const links = tryDecode(decodeChain, bytes)
    if (links === undefined) { stats.invalid++; continue }
    const head = links[links.length - 1]
    if (head.expires <= now) {
      stats.expired++
      p.remove(nameKey(head.name))
      continue
    }
    const verdict = verify(links)
    if (!verdict.ok) { stats.invalid++; continue }
    yield { chain: verdict.chain, bytes }
  }
}
