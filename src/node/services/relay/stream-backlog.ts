import type { Duplex } from 'node:stream'

/**
 * Bytes written to a link stream and not yet acknowledged by the peer: Node's writable buffer plus
 * the reliable stream's own send buffer (which takes writes at once up to 4 MiB). Relaying drops a
 * packet when this is over its bound instead of queueing it, so a slow or stalled receiver costs
 * the relay (and a sender) a bounded amount of memory; the relayed link retransmits.
 */
export function streamBacklog (stream: Duplex): number {
  const stats = (stream as { stats?: { sendBuffered?: number } }).stats
  return stream.writableLength + (stats?.sendBuffered ?? 0)
}
