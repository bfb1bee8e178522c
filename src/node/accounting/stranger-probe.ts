import type { Contact } from '../routing/contact.js'

/**
 * A requester that never gave this node anything is asked one lookup query (a FIND_NODE for a
 * random id, which any DHT node answers from its table), whether the node is busy or not; it is
 * served meanwhile in its turn as usual. The answer is priced service like any lookup answer
 * (service-pricers.ts), so a peer that serves the network gains standing here at the cost of
 * one round trip, and its waiting requests are weighed again (FairScheduler.reweigh). Without
 * it a contributor ranks high only at servers it happened to serve before (issue 19: 54 % of
 * contributors' fetches in the market simulation).
 *
 * A peer that leaves the probe unanswered is *silent* until its next probe: while it has given
 * nothing it weighs the least (1), behind strangers and debtors alike; never less, so it is
 * still served in its turn.
 *
 * Each peer is probed at most once per PROBE_EVERY_MS, and at most MAX_PROBED peers are
 * remembered (the oldest forgotten), so probing costs a bounded trickle of queries.
 */
export const PROBE_EVERY_MS = 10 * 60_000
export const MAX_PROBED = 10_000
/** How long a probe waits for its answer. */
export const PROBE_TIMEOUT_MS = 3_000

export interface StrangerProbeOptions {
  /** Sends the peer one lookup query; resolves once its answer was booked (rejects on timeout). */
  ask: (peer: Contact) => Promise<void>
  /** The peer's standing may have changed: weigh its waiting requests again. */
  reweigh: (peerHex: string) => void
  now?: () => number
}

export class StrangerProbe {
  private readonly last = new Map<string, number>()
  private readonly silentPeers = new Set<string>()
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
    if (this.last.size > MAX_PROBED) {
      const oldest = this.last.keys().next().value as string
      this.last.delete(oldest)
      this.silentPeers.delete(oldest)
    }
    this.sent++
    this.o.ask(peer).then(() => {
      this.answered++
      this.silentPeers.delete(hex)
      this.o.reweigh(hex)
    }, () => {
      if (!this.last.has(hex)) return
      this.silentPeers.add(hex)
      this.o.reweigh(hex)
    })
  }

  /** The peer left its last probe unanswered. */
  silent (peerHex: string): boolean { return this.silentPeers.has(peerHex) }
}
