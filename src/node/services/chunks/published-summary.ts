import type { TrackedChunk } from './host-table.js'

/**
 * What a publisher sees of its published items (`tornet published`, the dashboard): per item,
 * its chunks, the hosts known (the fewest any chunk has, and in all), the last check, the
 * reads an hour gathered at it (the sum over its chunks: popularity) and the credit paid for
 * places. Pure: a view of the host table's records.
 */
export interface PublishedItemStats {
  /** The content reference ('' for chunks published without one). */
  item: string
  chunks: number
  /** Hosts of the item's least hosted chunk, and distinct hosts over all its chunks. */
  minHosts: number
  hosts: number
  /** The oldest last check of its chunks (0: some chunk was never checked). */
  lastCheck: number
  readsPerHour: number
  reads: number
  creditPaid: number
}

export function summarizePublished (chunks: TrackedChunk[]): PublishedItemStats[] {
  const byItem = new Map<string, { s: PublishedItemStats, hosts: Set<string> }>()
  for (const c of chunks) {
    for (const item of c.items.length === 0 ? [''] : c.items) {
      let e = byItem.get(item)
      if (e === undefined) {
        e = { s: { item, chunks: 0, minHosts: Number.POSITIVE_INFINITY, hosts: 0, lastCheck: Number.POSITIVE_INFINITY, readsPerHour: 0, reads: 0, creditPaid: 0 }, hosts: new Set() }
        byItem.set(item, e)
      }
      e.s.chunks++
      e.s.minHosts = Math.min(e.s.minHosts, c.hosts.length)
      for (const h of c.hosts) e.hosts.add(h.id)
      e.s.lastCheck = Math.min(e.s.lastCheck, c.lastCheck)
      e.s.readsPerHour += c.rate
      e.s.reads += c.reads
      e.s.creditPaid += c.paid
    }
  }
  return [...byItem.values()].map(({ s, hosts }) => ({ ...s, hosts: hosts.size }))
    .sort((a, b) => b.readsPerHour - a.readsPerHour || a.item.localeCompare(b.item))
}
