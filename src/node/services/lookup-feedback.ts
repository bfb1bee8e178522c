import { roundTripsTo, type Contact } from '../routing/contact.js'
import type { Dht } from '../routing/dht.js'
import type { LookupEvent } from '../routing/lookup-types.js'

/**
 * What a ServiceNetwork over a Dht passes on to its services from the DHT's
 * own traffic: the contacts a running lookup hears of, and request time-outs
 * learned from measured round trips. Shared by the node's network
 * (link-service-network.ts) and the benchmark's simulated one.
 */

/** A lookup progress listener that hands each reply's contacts to `onContacts`; undefined when nobody listens. */
export function contactsListener (onContacts: ((contacts: Contact[]) => void) | undefined): ((e: LookupEvent) => void) | undefined {
  if (onContacts === undefined) return undefined
  return e => { if (e.type === 'reply' && e.contacts !== undefined && e.contacts.length > 0) onContacts(e.contacts) }
}

/**
 * Twice the peer's retransmission time-out (RFC 6298 srtt + 4·rttvar, the
 * Dht's soft time-out), times the round trips a first request to it takes:
 * past that the reply is more likely lost than late, and asking another
 * replica is cheaper than waiting. A peer never measured gets the
 * network-wide estimate. Never below the Dht's own shortest hard time-out
 * (200 ms by default): on loopback the RTT is a fraction of a millisecond,
 * and a busy event loop must not turn every read into a string of time-outs.
 */
export function adaptiveRequestTimeoutMs (dht: Pick<Dht, 'rtt'>, to: Contact): number {
  const { minTimeoutMs, hardFactor } = dht.rtt.options
  return Math.max(2 * dht.rtt.softTimeout(to.id.toString('hex')), minTimeoutMs * hardFactor) * roundTripsTo(to)
}
