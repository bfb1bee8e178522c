import type { ObservedAddress } from '../../link/observed-addresses.js'
import type { Endpoint } from '../../types.js'

/**
 * What a node can conclude about being reached, from two kinds of evidence:
 *
 *   dial-backs  peers on distinct hosts, asked to send a packet to the address they see this node
 *               at from another port than their session's (which no NAT mapping made for the
 *               session lets through), whose packet arrived;
 *   observed    the addresses peers say they see this node at (observed-addresses.ts).
 *
 *   public              dial-backs from at least two distinct hosts arrived: anyone can open a session
 *                       to this node at the address they see (a port-forward counts as public);
 *   nat-keeps-mapping   no such dial-backs, but two distinct hosts see the same address and port: a
 *                       NAT maps this node to one public endpoint whoever it talks to (endpoint-
 *                       independent mapping), so an introducer can tell a peer where to punch;
 *   unreachable         no such dial-backs and the hosts see different ports: a symmetric NAT (a
 *                       relay is needed);
 *   unknown             fewer than two hosts answered or reported.
 *
 * Two hosts, not one, because one peer could lie either way.
 */
export type ReachabilityStatus = 'public' | 'nat-keeps-mapping' | 'unreachable' | 'unknown'

export interface Reachability {
  status: ReachabilityStatus
  /** The address the most reporting hosts see (undefined when nobody reported). */
  address?: Endpoint
  /** Distinct hosts whose dial-back arrived / were asked. */
  dialedBack: number
  asked: number
  /** Distinct hosts that reported an observed address. */
  reportingHosts: number
}

export const MIN_AGREEING_HOSTS = 2

export function classifyReachability (e: { dialedBackHosts: number, askedHosts: number, observed: ObservedAddress[], reportingHosts: number }): Reachability {
  const top = e.observed[0]
  const base = { address: top?.endpoint, dialedBack: e.dialedBackHosts, asked: e.askedHosts, reportingHosts: e.reportingHosts }
  if (e.dialedBackHosts >= MIN_AGREEING_HOSTS) return { status: 'public', ...base }
  if (top !== undefined && top.hosts >= MIN_AGREEING_HOSTS) return { status: 'nat-keeps-mapping', ...base }
  if (e.reportingHosts >= MIN_AGREEING_HOSTS) return { status: 'unreachable', ...base }
  return { status: 'unknown', ...base }
}

/** One line for a log or the dashboard. */
export function describeReachability (r: Reachability): string {
  const at = r.address === undefined ? '' : ` at ${r.address.address}:${r.address.port}`
  switch (r.status) {
    case 'public': return `public${at} (${r.dialedBack} of ${r.asked} peers reached this node from ports it never sent to)`
    case 'nat-keeps-mapping': return `behind a NAT that keeps one mapping${at} (${r.reportingHosts} peers see it; none reached it unasked)`
    case 'unreachable': return `unreachable: behind a NAT that maps each peer to another port (${r.reportingHosts} peers see different addresses)`
    case 'unknown': return `unknown (${r.reportingHosts} peer${r.reportingHosts === 1 ? '' : 's'} reported an address, ${r.dialedBack} of ${r.asked} dialed back; at least ${MIN_AGREEING_HOSTS} are needed)`
  }
}
