import { isIPv4 } from 'node:net'
import type { Contact } from '../../routing/contact.js'
import { isPublicAddress } from '../../routing/endpoint-scope.js'
import type { Endpoint } from '../../types.js'
import { ipv6Bytes } from '../../wire/ipv6.js'

/**
 * How many slots of a replica's table one peer may take. A replica's table is
 * bounded (10 000 records, 10 000 names), so without a per-peer limit one peer
 * could fill it with junk and every honest store after it would be refused.
 *
 * Two limits, both on entries that take a NEW slot (a newer version of a held
 * entry, or a republished copy, costs nothing):
 *  - a rate: at most `perHour` new entries per peer per fixed one-hour window;
 *  - a share: at most `maxHeldPerPeer` live entries brought by one peer at
 *    once. The rate alone would not do: records live up to 30 days, so a
 *    steady trickle would still fill the table.
 *
 * Peers are keyed by their authenticated node id (hex), which costs a proof of
 * work to make. Local stores (the node's own records) carry no peer and are
 * not limited here. The window table is bounded too (`maxPeers`).
 */
export interface PeerQuotaOptions {
  /** New entries one peer may add per window; default 500. */
  perHour?: number
  /** Live entries one peer may have brought at once; default 1 000 (a tenth of the default table). */
  maxHeldPerPeer?: number
  /** Peers whose windows are remembered at once; default 4 096 (the oldest window goes first). */
  maxPeers?: number
  windowMs?: number
  now?: () => number
}

export const DEFAULT_QUOTA_PER_HOUR = 500
export const DEFAULT_MAX_HELD_PER_PEER = 1_000

interface Window { start: number, used: number }

export class PeerQuota {
  readonly perHour: number
  readonly maxHeldPerPeer: number
  private readonly maxPeers: number
  private readonly windowMs: number
  private readonly now: () => number
  private readonly windows = new Map<string, Window>()
  /** Live entries per peer; bounded by the table the owner keeps. */
  private readonly held = new Map<string, number>()

  constructor (opts: PeerQuotaOptions = {}) {
    this.perHour = opts.perHour ?? DEFAULT_QUOTA_PER_HOUR
    this.maxHeldPerPeer = opts.maxHeldPerPeer ?? DEFAULT_MAX_HELD_PER_PEER
    this.maxPeers = opts.maxPeers ?? 4_096
    this.windowMs = opts.windowMs ?? 3600_000
    this.now = opts.now ?? Date.now
    for (const [name, v] of [['perHour', this.perHour], ['maxHeldPerPeer', this.maxHeldPerPeer], ['maxPeers', this.maxPeers], ['windowMs', this.windowMs]] as const) {
      if (!Number.isSafeInteger(v) || v < 1) throw new RangeError(`${name} must be a positive integer`)
    }
  }

  /** True when `peer` may take one more new slot now (nothing is charged). */
  allows (peer: string): boolean {
    if ((this.held.get(peer) ?? 0) >= this.maxHeldPerPeer) return false
    const w = this.windows.get(peer)
    return w === undefined || this.now() - w.start >= this.windowMs || w.used < this.perHour
  }

  /** `peer` took a new slot. */
  charge (peer: string): void {
    const t = this.now()
    let w = this.windows.get(peer)
    if (w === undefined || t - w.start >= this.windowMs) {
      if (w === undefined && this.windows.size >= this.maxPeers) this.makeRoom(t)
      w = { start: t, used: 0 }
      this.windows.delete(peer)
      this.windows.set(peer, w)
    }
    w.used++
    this.held.set(peer, (this.held.get(peer) ?? 0) + 1)
  }

  /** A slot `peer` took was freed (expired, evicted). */
  release (peer: string): void {
    const n = (this.held.get(peer) ?? 0) - 1
    if (n > 0) this.held.set(peer, n)
    else this.held.delete(peer)
  }

  /** Live entries `peer` has brought. */
  heldBy (peer: string): number { return this.held.get(peer) ?? 0 }

  private makeRoom (t: number): void {
    for (const [peer, w] of this.windows) if (t - w.start >= this.windowMs) this.windows.delete(peer)
    // Still full: forget the window opened longest ago (its peer then starts afresh; the share limit still holds).
    if (this.windows.size >= this.maxPeers) this.windows.delete(this.windows.keys().next().value as string)
  }
}

/** Who sent a store: the peer's node id, and the network it sent from (see networkOf). */
export interface StoreSource { peer: string, network: string }

export const DEFAULT_NETWORK_QUOTA: Required<Pick<PeerQuotaOptions, 'perHour' | 'maxHeldPerPeer'>> = { perHour: 1_000, maxHeldPerPeer: 2_000 }

/**
 * The per-peer quota, and the same kind of quota per network (a /24 or /48):
 * identities are cheap (a rank-8 node id is 256 hashes), so many of them on
 * one machine must not get many peers' worth. A network gets twice a peer's
 * limits (several honest nodes may share one, behind a NAT).
 */
export class StoreQuota {
  readonly byPeer: PeerQuota
  readonly byNetwork: PeerQuota

  constructor (opts: { perPeer?: PeerQuotaOptions, perNetwork?: PeerQuotaOptions, now?: () => number } = {}) {
    this.byPeer = new PeerQuota({ now: opts.now, ...opts.perPeer })
    this.byNetwork = new PeerQuota({ now: opts.now, ...DEFAULT_NETWORK_QUOTA, ...opts.perNetwork })
  }

  allows (s: StoreSource): boolean { return this.byPeer.allows(s.peer) && this.byNetwork.allows(s.network) }
  charge (s: StoreSource): void { this.byPeer.charge(s.peer); this.byNetwork.charge(s.network) }
  release (s: StoreSource): void { this.byPeer.release(s.peer); this.byNetwork.release(s.network) }
}

/**
 * The network a peer's endpoint belongs to, for the per-network quota: the /24
 * of a public IPv4 address, the /48 of a public IPv6 one. A loopback or private
 * endpoint (a LAN or a test network on one machine) counts as a network of its
 * own, address and port: there every node is on the same few addresses.
 */
export function networkOf (e: Endpoint): string {
  if (!isPublicAddress(e.address)) return `${e.address}|${e.port}`
  if (isIPv4(e.address)) return `${e.address.split('.').slice(0, 3).join('.')}.0/24`
  return `${ipv6Bytes(e.address).subarray(0, 6).toString('hex')}/48`
}

export function storeSourceOf (c: Contact): StoreSource {
  return { peer: c.id.toString('hex'), network: networkOf(c.endpoint) }
}
