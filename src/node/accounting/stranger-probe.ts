import type { Contact } from '../routing/contact.js'

/**
 * Under load, a requester that never gave this node anything is asked one lookup query (a
 * FIND_NODE for a random id, which any DHT node answers from its table). The answer is priced
 * service like any lookup answer (service-pricers.ts), so a peer that serves the network gains
 * standing here at the cost of one round trip, and its waiting requests are weighed again
 * (FairScheduler.reweigh) — while one that answers nobody stays a stranger, or sinks below
 * one with its debt. Without it a contributor ranks high only at servers it happened to serve
 * before (issue 19: 54 % of contributors' fetches in the market simulation).
 *
 * Each peer is probed at most once per PROBE_EVERY_MS, and at most MAX_PROBED peers are
 * remembered (the oldest forgotten), so probing costs a bounded trickle of queries.
 */
export const PROBE_EVERY_MS = 10 * 60_000
export const MAX_PROBED = 10_000

export interface StrangerProbeOptions {
  /** Sends the peer one lookup query; resolves once its answer was booked (rejects on timeout). */
  ask: (peer: Contact) => Promise<void>
  /** The peer's standing may have changed: weigh its waiting requests again. */
  reweigh: (peerHex: string) => void
  now?: () => number
}

export class StrangerProbe {
  private readonly last = new Map<string, number>()
  /** Probes sent and answered. */
  sent = 0
  answered = 0

  constructor (private readonly o: StrangerProbeOptions) {}

  /** Probes `peer` unless it was probed within PROBE_EVERY_MS. */
  maybe (peer: Contact): void {
    const hex = peer.id.toString('hex')
    const now = (this.o.now ?? Date.now)()
    const at = this.last.get(hex)
    if (at !== undefined && now - at < PROBE_EVERY_MS) return
    this.last.delete(hex)
    this.last.set(hex, now)
    if (this.last.size > MAX_PROBED) this.last.delete(this.last.keys().next().value as string)
    this.sent++
    this.o.ask(peer).then(() => { this.answered++; this.o.reweigh(hex) }, () => {})
  }
}
