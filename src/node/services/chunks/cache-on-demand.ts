import type { Contact } from '../../routing/contact.js'
import { DemandCounter } from '../../routing/demand-counter.js'
import { PeerBudget, hasStanding } from './cache-admission.js'

/**
 * Pull, never push: the two ways a node comes to cache a chunk it did not ask
 * for, and their bounds (who may cause them: cache-admission.ts).
 *
 * Demand: a FIND_VALUE this node could not answer, or a GET_PROVIDERS, for a
 * chunk it lacks is a vote. Those queries reach the k closest nodes of the
 * chunk and the nodes on lookup paths towards them, so a chunk asked about by
 * `threshold` different peers with standing (decaying with `halfLifeMs`) is
 * one worth holding: the node fetches it through the ordinary verified
 * download and caches it (the store's eviction keeps the cache within its
 * bound).
 *
 * CACHE_REQUEST: a publisher asks this node to pull a scarce chunk; accepted
 * only from peers of higher rank, for chunks near this node, within a per-peer
 * budget.
 *
 * At most `maxConcurrent` pulls run at once, and an id is not pulled again
 * within `cooldownMs`.
 */
export interface CacheOnDemandOptions {
  /** Peers (with standing, each once) after whose queries a missing chunk is fetched. Default 4. */
  threshold?: number
  /** Fetches running at once. Default 2. */
  maxConcurrent?: number
  /** Half-life of the demand counts. Default 1 hour. */
  halfLifeMs?: number
  /** An id is not fetched again within this. Default 10 minutes. */
  cooldownMs?: number
  /** Peers of this rank or more count towards demand (others only with history here). Default 16. */
  standingRank?: number
  /** CACHE_REQUESTs accepted per peer at once, and refilled per hour. Default 16 and 16. */
  requestBurst?: number
  requestsPerHour?: number
}

export interface CacheOnDemandDeps {
  /** False: no pulls at all (every CACHE_REQUEST is refused). */
  options: false | CacheOnDemandOptions
  selfRank: number
  now: () => number
  running: () => boolean
  has: (id: Buffer) => boolean
  /** This node is among the closest to the id (record-admission.ts). */
  isNear: (id: Buffer) => boolean
  /** This node is looking the id up itself (the DHT asks its own provider first: no demand). */
  ownLookup: (id: Buffer) => boolean
  /** This node's experience with a peer (its routing-table contact). */
  peerHistory?: (id: Buffer) => Pick<Contact, 'contentProvided' | 'paymentsMade'> | undefined
  /** The range of ids this node sells storage for (sell-policy.ts); absent: all. */
  inRange?: (id: Buffer) => boolean
  /** The least popularity (distinct askers with standing, decayed) this node caches; 0: any. */
  minPopularity?: number
  /** The verified download that caches the chunk; rejects when it fails. */
  download: (id: Buffer) => Promise<unknown>
  stats: { cachedOnDemand: number, demandPulls: number, cacheRequestsRefused: number }
}

const MAX_COOLDOWNS = 1024
const MAX_DEMAND_KEYS = 10_000
const MAX_VOTERS = 64
const MAX_BUDGET_PEERS = 1024

export class CacheOnDemand {
  private readonly o?: Required<CacheOnDemandOptions>
  private readonly demand: DemandCounter
  private readonly budget: PeerBudget
  private readonly pulling = new Map<string, Promise<void>>()
  private readonly lastPull = new Map<string, number>()

  constructor (private readonly d: CacheOnDemandDeps) {
    this.o = d.options === false
      ? undefined
      : { threshold: 4, maxConcurrent: 2, halfLifeMs: 60 * 60_000, cooldownMs: 10 * 60_000, standingRank: 16, requestBurst: 16, requestsPerHour: 16, ...d.options }
    this.demand = new DemandCounter({ maxKeys: MAX_DEMAND_KEYS, halfLifeMs: this.o?.halfLifeMs ?? 60 * 60_000, maxVoters: MAX_VOTERS })
    this.budget = new PeerBudget({ burst: this.o?.requestBurst ?? 16, perHour: this.o?.requestsPerHour ?? 16, maxPeers: MAX_BUDGET_PEERS, now: d.now })
  }

  /** A peer asked for a chunk: one vote, if the peer has standing and this node lacks the chunk. */
  noteQuery (id: Buffer, from: Contact): void {
    const o = this.o
    if (o === undefined || this.d.has(id) || this.d.ownLookup(id) || this.d.inRange?.(id) === false) return
    if (!hasStanding(from, { standingRank: o.standingRank, history: this.d.peerHistory })) return
    const threshold = Math.max(o.threshold, this.d.minPopularity ?? 0)
    if (this.demand.miss(id, this.d.now(), from.id) < threshold || this.pulling.has(id.toString('hex'))) return
    if (this.pull(id)) this.d.stats.demandPulls++
  }

  /** A peer asks this node to pull a chunk; true when it will (or holds it already). */
  onCacheRequest (id: Buffer, from: Contact): boolean {
    const refuse = (): boolean => { this.d.stats.cacheRequestsRefused++; return false }
    // "You can only advertise on nodes of lower rank than yourself" (the seed: "your identity
    // is greater than the server's"): only a peer that spent more work on its identity than
    // this node can make it download; an equal rank cannot, or any node mined to the
    // network's minRank could fill the caches of all the others.
    if (this.o === undefined || !this.d.running() || from.rank <= this.d.selfRank || !this.d.isNear(id)) return refuse()
    if (this.d.has(id) || this.pulling.has(id.toString('hex'))) return true
    // What this node sells: ids in its range, chunks at least as popular as it asks (a free
    // request buys no place for an unpopular chunk; a paid offer does, paid-hosting.ts).
    if (this.d.inRange?.(id) === false) return refuse()
    const least = this.d.minPopularity ?? 0
    if (least > 0 && this.demand.count(id, this.d.now()) < least) return refuse()
    if (!this.budget.take(from.id)) return refuse()
    if (this.pull(id)) return true
    this.budget.refund(from.id)
    return refuse()
  }

  /** Distinct askers with standing for a chunk this node lacks (decayed): its popularity here. */
  popularity (id: Buffer): number { return this.demand.count(id, this.d.now()) }

  /** Settles once every pull running now has. */
  async settled (): Promise<void> {
    await Promise.allSettled([...this.pulling.values()])
  }

  /** Starts a pull; false when none may start now (off, stopped, busy, cooling down). */
  private pull (id: Buffer): boolean {
    const o = this.o
    if (o === undefined || !this.d.running()) return false
    const hex = id.toString('hex')
    if (this.d.has(id) || this.pulling.has(hex)) return true
    const now = this.d.now()
    const t = this.lastPull.get(hex)
    if (this.pulling.size >= o.maxConcurrent || (t !== undefined && now - t < o.cooldownMs)) return false
    this.lastPull.delete(hex)
    this.lastPull.set(hex, now)
    if (this.lastPull.size > MAX_COOLDOWNS) this.lastPull.delete(this.lastPull.keys().next().value as string)
    const p = this.d.download(id)
      .then(() => { this.d.stats.cachedOnDemand++; this.demand.clear(id) }, () => {})
      .finally(() => { this.pulling.delete(hex) })
    this.pulling.set(hex, p)
    return true
  }
}
