import type { Introducer } from '../wire/punch-messages.js'
import type { Endpoint } from '../types.js'

/**
 * What the routing layer knows about another node. Only `id` and `endpoint`
 * come from the wire; the rest is local experience with that peer (bytes it
 * served us, payments, how long we have known it, RTT) and is what the seed's
 * bucket order is built from.
 */
export interface Contact {
  /** 32-byte node id (SHA-256 of the public key); empty only for "whoever answers at this endpoint". */
  id: Buffer
  publicKey?: Buffer
  endpoint: Endpoint
  /** Proof-of-work rank (leading zero bits); 0 until verified from key and nonce. */
  rank: number
  nonce?: Buffer
  /** Smoothed round-trip time in ms, once measured. */
  rttMs?: number
  /** Bytes of content this peer has served us. */
  contentProvided: number
  /** Payments received from this peer (smallest currency unit). */
  paymentsMade: number
  /** When we first saw it continuously alive (ms since epoch, or virtual ms). */
  connectedSince: number
  /** Estimated bandwidth in bytes per second; 0 when unknown. */
  bandwidth: number
  /** When it last answered or contacted us. */
  lastSeen: number
  /** Consecutive failed requests since it last answered. */
  failures: number
  /**
   * The reachable peers that introduce this node when it sits behind a NAT (from its signed
   * provider record): a link that cannot reach it directly punches through them (punch service).
   */
  introducers?: Introducer[]
}

export function makeContact (id: Buffer, endpoint: Endpoint, fields: Partial<Omit<Contact, 'id' | 'endpoint'>> = {}): Contact {
  return {
    id,
    endpoint,
    rank: 0,
    contentProvided: 0,
    paymentsMade: 0,
    connectedSince: 0,
    bandwidth: 0,
    lastSeen: 0,
    failures: 0,
    ...fields
  }
}

/**
 * Round trips the link needs for a first request to c: one when we hold its
 * public key (the IK handshake carries the request), two without it (XX
 * learns the key first; the request rides on its third message).
 */
export function roundTripsTo (c: Contact): number {
  return c.publicKey === undefined ? 2 : 1
}

/**
 * A magnitude class: floor(log2(1 + v)). Contribution figures are compared by
 * class, not exactly, so that a one-byte difference in content provided cannot
 * override rank, uptime and latency: peers that are "about as useful" fall
 * through to the next criterion, as the seed's "relative to other peers" asks.
 */
export function magnitude (v: number): number {
  return v > 0 ? Math.floor(Math.log2(1 + v)) : 0
}

/**
 * Compares by the things that cost a peer something and that a newcomer cannot
 * fake: content provided, payments made, rank. Negative when a is better.
 */
export function compareContribution (a: Contact, b: Contact): number {
  return (magnitude(b.contentProvided) - magnitude(a.contentProvided)) ||
    (magnitude(b.paymentsMade) - magnitude(a.paymentsMade)) ||
    (b.rank - a.rank)
}

/**
 * Compares only what a peer earned from us — content provided, payments made —
 * and not rank. A rank can be bought with hashing alone, in a few minutes per
 * extra bit at the network's minimum: letting it evict long-lived members at
 * once let an attacker mine a bit or two above the network and crowd a
 * target's neighbours out of every bucket (an eclipse; bench/sybil.ts). Rank
 * still orders members and replacements (compareContacts). Negative when a
 * earned more.
 */
export function compareEarned (a: Contact, b: Contact): number {
  return (magnitude(b.contentProvided) - magnitude(a.contentProvided)) ||
    (magnitude(b.paymentsMade) - magnitude(a.paymentsMade))
}

/**
 * The seed's order within a k-bucket, best first: content provided, payments
 * made, rank, time connected (longer is better), latency (lower is better,
 * unknown is worst), bandwidth. Negative when a is better than b at time `now`.
 */
export function compareContacts (a: Contact, b: Contact, now: number): number {
  return compareContribution(a, b) ||
    (magnitude(Math.max(0, now - b.connectedSince) / 1000) - magnitude(Math.max(0, now - a.connectedSince) / 1000)) ||
    (latencyClass(a.rttMs) - latencyClass(b.rttMs)) ||
    (magnitude(b.bandwidth) - magnitude(a.bandwidth)) ||
    // Stable last resort: the one heard from more recently.
    (b.lastSeen - a.lastSeen)
}

function latencyClass (rtt: number | undefined): number {
  // Log-scale classes (0-15 ms, 16-47, 48-111, 112-239, ...): a few ms of jitter must not
  // reorder a bucket; an unmeasured peer sorts last.
  return rtt === undefined ? 1e9 : magnitude(rtt / 16)
}
