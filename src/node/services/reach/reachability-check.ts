import { randomBytes } from 'node:crypto'
import type { Link } from '../../link/link.js'
import { hostOf } from '../../link/source-address.js'
import type { PeerAddress } from '../../link/types.js'
import type { Endpoint } from '../../types.js'
import { tryDecode } from '../../wire/codec.js'
import { DIAL_BACK_NONCE_BYTES } from '../../wire/link-packets.js'
import { decodeReachMessage, DialBackResult, encodeReachMessage, REACH_SERVICE } from '../../wire/reach-messages.js'
import { classifyReachability, type Reachability } from './reachability.js'

/** Reports older than this are not evidence any more (sessions re-handshake every few minutes). */
export const OBSERVED_MAX_AGE_MS = 30 * 60_000

export interface ReachabilityCheckOptions {
  link: Link
  /** Peers that may be asked (the routing table's contacts); those on distinct hosts are picked. */
  candidates: () => PeerAddress[]
  /** Hosts asked to dial back (default 2). */
  askHosts?: number
  /** How long dial-backs are waited for after the answers (default 2 s). */
  waitMs?: number
  signal?: AbortSignal
}

/** The nonces of dial-backs this node waits for, and the host each was asked of. */
export class PendingDialBacks {
  private readonly waiting = new Map<string, { host: string, arrived: boolean }>()

  add (nonce: Buffer, host: string): void { this.waiting.set(nonce.toString('hex'), { host, arrived: false }) }

  /** True when `nonce` was one asked for (a packet with any other nonce is dropped by the link). */
  arrive (nonce: Buffer): boolean {
    const w = this.waiting.get(nonce.toString('hex'))
    if (w === undefined) return false
    w.arrived = true
    return true
  }

  hostsArrived (nonces: Buffer[]): number {
    return new Set(nonces.map(n => this.waiting.get(n.toString('hex'))).filter(w => w?.arrived === true).map(w => w?.host)).size
  }

  remove (nonces: Buffer[]): void { for (const n of nonces) this.waiting.delete(n.toString('hex')) }
}

/**
 * AutoNAT-like: asks peers on distinct hosts (not this node's own) to dial it back from another
 * port, opening sessions to them if needed — which also brings their observed-address reports —
 * waits for the dial-backs, and classifies (reachability.ts).
 */
export async function checkReachability (o: ReachabilityCheckOptions & { pending: PendingDialBacks }): Promise<Reachability> {
  const want = o.askHosts ?? 2
  const chosen = pickDistinctHosts(o.candidates(), o.link.local, want * 3)
  const nonces: Buffer[] = []
  let askedHosts = 0
  const hostsAsked = new Set<string>()
  try {
    // Ask more candidates than needed, in order, until `want` hosts answered "sent".
    for (const peer of chosen) {
      if (askedHosts >= want || o.signal?.aborted === true) break
      const host = hostOf(peer.endpoint.address)
      if (hostsAsked.has(host)) continue
      const nonce = randomBytes(DIAL_BACK_NONCE_BYTES)
      o.pending.add(nonce, host)
      nonces.push(nonce)
      try {
        const answer = tryDecode(decodeReachMessage, await o.link.request(peer, REACH_SERVICE, encodeReachMessage({ type: 'dial-back-request', nonce }), { timeoutMs: 3000, signal: o.signal }))
        if (answer?.type === 'dial-back-answer' && answer.result === DialBackResult.SENT) { hostsAsked.add(host); askedHosts++ }
      } catch {
        // No answer (gone, unreachable, an older node without the service): ask the next one.
      }
    }
    if (askedHosts > 0) await sleep(o.waitMs ?? 2000, o.signal)
    return classifyReachability({
      dialedBackHosts: o.pending.hostsArrived(nonces),
      askedHosts,
      observed: o.link.observed.list(OBSERVED_MAX_AGE_MS),
      reportingHosts: o.link.observed.reportingHosts(OBSERVED_MAX_AGE_MS)
    })
  } finally {
    o.pending.remove(nonces)
  }
}

function pickDistinctHosts (peers: PeerAddress[], self: Endpoint, max: number): PeerAddress[] {
  const seen = new Set<string>([hostOf(self.address)])
  const out: PeerAddress[] = []
  for (const p of peers) {
    const h = hostOf(p.endpoint.address)
    if (seen.has(h)) continue
    seen.add(h)
    out.push(p)
    if (out.length >= max) break
  }
  return out
}

async function sleep (ms: number, signal?: AbortSignal): Promise<void> {
  await new Promise<void>((resolve) => {
    const t = setTimeout(done, ms)
    function done (): void { clearTimeout(t); signal?.removeEventListener('abort', done); resolve() }
    signal?.addEventListener('abort', done, { once: true })
  })
}
