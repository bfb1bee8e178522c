import type { CountingMeter } from './accounting/traffic-meter.js'
import type { Link } from './link/link.js'
import type { Contact } from './routing/contact.js'
import type { RoutingTable } from './routing/routing-table.js'
import type { PeerAccounts } from './store/index.js'
import type { Endpoint } from './types.js'

/**
 * Plain-data snapshots of a running node, for the CLI and the dashboard: they read what the
 * node knows without holding its store, routing table or link (copies, so a caller cannot
 * change the node through them).
 */

/** A peer with an open session, with what its account says about the traffic exchanged. */
export interface ConnectedPeer {
  id: Buffer
  endpoint: Endpoint
  rank: number
  /** Smoothed round-trip time, once measured. */
  rttMs: number | undefined
  /** Bytes sent to and received from the peer over all runs (0 without an account). */
  bytesSent: number
  bytesReceived: number
  /** When the peer was last in contact; undefined without an account. */
  lastContact: number | undefined
}

/** One bucket of the routing table, its contacts in the order the node prefers them. */
export interface RoutingBucket {
  /** Bits shared with this node's id. */
  level: number
  sub: number
  contacts: Contact[]
}

/** Bytes and datagrams through the link since the node started, in all and by service kind. */
export interface TrafficTotals {
  bytesIn: number
  bytesOut: number
  packetsIn: number
  packetsOut: number
  byKind: Record<string, { in: number, out: number }>
}

export function connectedPeers (link: Link, accounts: PeerAccounts): ConnectedPeer[] {
  return link.sessions().map(p => {
    const account = accounts.get(p.id)
    return {
      id: Buffer.from(p.id),
      endpoint: { ...p.endpoint },
      rank: p.rank,
      rttMs: p.rttMs,
      bytesSent: account?.bytesSent ?? 0,
      bytesReceived: account?.bytesReceived ?? 0,
      lastContact: account?.lastContact
    }
  })
}

export function routingBuckets (table: RoutingTable, now: number): RoutingBucket[] {
  return table.buckets(now).map(b => ({ level: b.ref.level, sub: b.ref.sub, contacts: b.contacts.map(c => ({ ...c })) }))
}

export function trafficTotals (meter: CountingMeter): TrafficTotals {
  const byKind: Record<string, { in: number, out: number }> = {}
  for (const [kind, t] of meter.byKind) byKind[kind] = { in: t.in, out: t.out }
  return { bytesIn: meter.bytesIn, bytesOut: meter.bytesOut, packetsIn: meter.packetsIn, packetsOut: meter.packetsOut, byKind }
}
