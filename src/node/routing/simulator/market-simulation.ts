import { FairScheduler, standingWeight } from '../../accounting/fair-scheduler.js'
import { PROBE_TIMEOUT_MS } from '../../accounting/stranger-probe.js'
import { LOOKUP_ANSWER_PRICE, cheapestFirst, chunkBytePrice } from '../../accounting/price.js'
import { type Heat, cacheValue, touch } from '../../store/cache-value.js'
import { CompactNetwork } from './compact-network.js'
import { EventQueue } from './event-queue.js'
import { LatencyModel, type LatencyOptions } from './latency-model.js'
import { Prng, mix32 } from './prng.js'
import { percentile } from './stats.js'

/**
 * The credit market on the simulator (issue 19's benchmark): a converged compact network
 * (compact-network.ts) whose nodes fetch chunks with Zipf-distributed popularity, on virtual
 * time (event-queue.ts, latencies from latency-model.ts).
 *
 *  - Half the nodes (by default) freeload: they fetch, but never answer a lookup, serve or
 *    cache. Contributors do all three.
 *  - Every chunk lives at its source, the contributor closest to its id. A fetch is a lookup
 *    from the requester over contributors in rounds of `alpha` parallel queries (a round lasts
 *    the slowest round trip from the requester), ending at the first round that reaches a node
 *    holding the chunk; the cheapest holder of that round serves it (price.ts cheapestFirst).
 *    A requester that holds the chunk itself reads it locally (not a fetch).
 *  - Each contributor serves `concurrency` chunks at once, `serviceMs` each; beyond that
 *    requests wait in the node's own FairScheduler (accounting/fair-scheduler.ts, the real
 *    serve gate's scheduling core) weighted by standingWeight of the node's books with the
 *    requester (what it gave this node, what it owes), the weight the real accounting layer
 *    uses (accounting.ts).
 *  - Credit is the real price: a node serving `chunkBytes` of chunk c gives the requester's
 *    books chunkPrice(node, c, bytes) (price.ts), so a copy near the chunk's id earns more; a
 *    node answering a lookup query gives the asker LOOKUP_ANSWER_PRICE. Both sides book it.
 *  - A contributor asks a requester that never gave it anything one lookup query (the real
 *    serve gate's stranger probe, accounting/stranger-probe.ts, once per pair here): a
 *    contributor's answer lands one round trip later as standing and its waiting request is
 *    weighed again; a freeloader never answers, and once the probe times out (PROBE_TIMEOUT_MS)
 *    it weighs 1 there, the least.
 *  - Caching along lookup paths by the seed's revenue rule: every node a lookup asks counts
 *    the query in its heat for that chunk (cache-value.ts: decaying access frequency); once
 *    the fetch is done, the closest node on the path that lacked the chunk (the DHT's cache
 *    offer) takes it if its expected revenue, heat × its price for the chunk, beats the least
 *    of what it caches (`cacheSlots` chunks), which it then evicts (cacheValue, the store's
 *    own value function).
 *
 * Not modelled: credit lines and payments (a freeloader past its line would be refused or pay;
 * payments would give it standing), churn and loss. Contributors caching what they download
 * (the real node's cacheDownloads) is an option, off by default: with a history of 300,000
 * fetches it moved the saturated ratio from 1.63 to 1.75.
 *
 * Synchronous and deterministic: a run is a pure function of its options and phases.
 */
export interface MarketOptions {
  nodes: number
  chunks: number
  /** Zipf exponent of chunk popularity (rank r is asked for ∝ 1 / r^zipf). */
  zipf: number
  freeloaderShare: number
  chunkBytes: number
  /** Time one contributor takes to send one chunk. */
  serviceMs: number
  /** Chunks a contributor sends at once before requests queue. */
  concurrency: number
  /** Requests a contributor lets wait (the real gate's bound); beyond it the request is refused. */
  maxQueued: number
  /** Chunks a contributor's cache holds. */
  cacheSlots: number
  /** Half-life of the access heat. */
  halfLifeMs: number
  /** Time a node takes to answer a lookup query. */
  processingMs: number
  /** Queries a lookup round sends at once. */
  alpha: number
  /** Contributors offer what they download to their own cache too, as the real node does. */
  cacheDownloads: boolean
  /** Credit a lookup answer is worth (price.ts LOOKUP_ANSWER_PRICE); 0 leaves lookups out of the books. */
  lookupCredit: number
  /**
   * A contributor asks a requester that never gave it anything one lookup query (the real serve
   * gate's probe, accounting/stranger-probe.ts): a contributor answers (priced service, so
   * standing), a freeloader does not. Its waiting requests are weighed again when the answer lands.
   */
  probeStrangers: boolean
  /** The weight of a requester with books (contributed, owed) at a server: accounting's standingWeight. */
  weight: (contributed: number, owed: number) => number
  seed: number
  latency: Partial<LatencyOptions>
}

export const DEFAULT_MARKET: MarketOptions = {
  nodes: 1000,
  chunks: 10_000,
  zipf: 1,
  freeloaderShare: 0.5,
  chunkBytes: 1 << 20,
  serviceMs: 200,
  concurrency: 1,
  maxQueued: 4096,
  cacheSlots: 20,
  halfLifeMs: 60_000,
  processingMs: 1,
  alpha: 3,
  cacheDownloads: false,
  lookupCredit: LOOKUP_ANSWER_PRICE,
  probeStrangers: true,
  weight: standingWeight,
  seed: 1,
  latency: {}
}

export interface LookupResult {
  /** The contributors asked, round by round; the last round holds the server. */
  rounds: number[][]
  /** The node that serves the chunk. */
  holder: number
  /** Where the DHT offers the chunk for caching (−1: nowhere). */
  offerTo: number
}

/** One fetch that left the requester (chunks it held itself are not fetched). */
export interface FetchRecord {
  freeloader: boolean
  chunk: number
  hops: number
  /** From the request to the last byte; Infinity when refused (queue full). */
  latencyMs: number
  /** Served by a cached copy rather than the chunk's source. */
  cacheHit: boolean
  /** The server was busy (every slot taken) when the request reached it. */
  queued: boolean
  /** The requester's weight at the server (standingWeight of its books there). */
  weight: number
  /** The requester had given the server priced service (lookup answers, chunks) before this request. */
  gave: boolean
}

export interface PhaseReport {
  load: number
  fetches: FetchRecord[]
  /** Fetches answered by the requester's own store. */
  localReads: number
  refused: number
  freeloaderP50: number
  contributorP50: number
  /** freeloaderP50 ÷ contributorP50. */
  latencyRatio: number
  /** The same over fetches that met a busy server only. */
  queuedRatio: number
  /** Share of fetches served by a cached copy, in the first and last tenth of the phase. */
  hitRateFirstTenth: number
  hitRateLastTenth: number
  /** Median hops of fetches of the top 1 % chunks. */
  popularHopsP50: number
  hopsP50: number
  /**
   * Service time asked of a contributor ÷ its slots × the time requests kept arriving: the
   * mean over contributors, and the busiest (above 1: more asked than it can serve).
   */
  meanOfferedLoad: number
  maxOfferedLoad: number
  durationMs: number
}

/** Ranks 0..n−1 drawn with P(r) ∝ 1 / (r + 1)^s, by binary search over the cumulative weights. */
export class ZipfSampler {
  private readonly cdf: Float64Array

  constructor (n: number, s: number) {
    if (!(n >= 1)) throw new RangeError('zipf: n must be ≥ 1')
    this.cdf = new Float64Array(n)
    let sum = 0
    for (let r = 0; r < n; r++) { sum += 1 / Math.pow(r + 1, s); this.cdf[r] = sum }
    for (let r = 0; r < n; r++) this.cdf[r] /= sum
  }

  /** The rank for a uniform draw u in [0, 1). */
  rank (u: number): number {
    let lo = 0; let hi = this.cdf.length - 1
    while (lo < hi) {
      const mid = (lo + hi) >>> 1
      if (this.cdf[mid] > u) hi = mid
      else lo = mid + 1
    }
    return lo
  }

  /** P(rank ≤ r). */
  cumulative (r: number): number { return this.cdf[Math.min(this.cdf.length - 1, Math.max(0, r))] }
}

/**
 * A contributor's cache of `slots` chunks kept by expected revenue (heat × price). `offer`
 * admits a chunk when there is room, or when its value beats the least valuable cached one,
 * which it evicts; a chunk worth no more than everything held is refused.
 */
export class RevenueCache {
  readonly held = new Set<number>()

  constructor (private readonly slots: number, private readonly valueOf: (chunk: number) => number) {}

  /** True when the chunk is (now) cached; `evicted` receives the chunk given up, if any. */
  offer (chunk: number, evicted?: (chunk: number) => void): boolean {
    if (this.held.has(chunk)) return true
    if (this.slots <= 0) return false
    if (this.held.size < this.slots) { this.held.add(chunk); return true }
    let worst = -1; let worstValue = Infinity
    for (const c of this.held) {
      const v = this.valueOf(c)
      if (v < worstValue) { worst = c; worstValue = v }
    }
    if (!(this.valueOf(chunk) > worstValue)) return false
    this.held.delete(worst)
    evicted?.(worst)
    this.held.add(chunk)
    return true
  }
}

/** Bound on the chunks whose heat a node keeps (the least recently asked, not cached, go first). */
const MAX_HEAT_ENTRIES = 2048

export class MarketSimulation {
  readonly options: MarketOptions
  readonly net: CompactNetwork
  /** 1 where node i contributes. */
  readonly contributor: Uint8Array
  /** chunks × 32 bytes. */
  readonly chunkIds: Uint8Array
  /** The contributor holding each chunk as its own (never evicted). */
  readonly source: Int32Array
  private readonly prng: Prng
  private readonly latency: LatencyModel
  private readonly zipf: ZipfSampler
  private readonly queue = new EventQueue()
  private now = 0
  /** Per node, per chunk asked there: its heat and this node's price for it. */
  private readonly heat: Array<Map<number, Heat & { price: number }> | undefined>
  private readonly caches: Array<RevenueCache | undefined>
  private readonly schedulers: Array<FairScheduler | undefined>
  /** given[s].get(r): credit node s received from r (r's standing at s). */
  private readonly given: Array<Map<number, number> | undefined>
  /** sent[s].get(r): credit node s gave r (what r took from s). */
  private readonly sent: Array<Map<number, number> | undefined>
  /** probed[s]: requesters node s has probed; silent[s]: those that left the probe unanswered. */
  private readonly probed: Array<Set<number> | undefined>
  private readonly silent: Array<Set<number> | undefined>
  private readonly busyMs: Float64Array

  constructor (options: Partial<MarketOptions> = {}) {
    const o: MarketOptions = { ...DEFAULT_MARKET, ...options }
    this.options = o
    this.prng = new Prng(o.seed)
    this.net = CompactNetwork.build({ size: o.nodes, seed: o.seed })
    this.latency = new LatencyModel({ seed: o.seed, ...o.latency })
    this.zipf = new ZipfSampler(o.chunks, o.zipf)
    this.contributor = new Uint8Array(o.nodes)
    // Freeloaders drawn by a stateless hash (ids are random, so this is a random half).
    for (let i = 0; i < o.nodes; i++) this.contributor[i] = mix32(o.seed, i, 0x4d41524b) / 4294967296 < o.freeloaderShare ? 0 : 1
    if (!this.contributor.includes(1)) throw new RangeError('market simulation: no contributor')
    this.chunkIds = new Uint8Array(o.chunks * 32)
    this.prng.fill(this.chunkIds)
    this.source = new Int32Array(o.chunks)
    for (let c = 0; c < o.chunks; c++) {
      const near = this.net.trueClosest(this.chunkId(c), 64, false)
      let s = near.find(i => this.contributor[i] === 1)
      if (s === undefined) s = this.contributor.indexOf(1)
      this.source[c] = s
    }
    this.heat = new Array(o.nodes).fill(undefined)
    this.caches = new Array(o.nodes).fill(undefined)
    this.schedulers = new Array(o.nodes).fill(undefined)
    this.given = new Array(o.nodes).fill(undefined)
    this.sent = new Array(o.nodes).fill(undefined)
    this.probed = new Array(o.nodes).fill(undefined)
    this.silent = new Array(o.nodes).fill(undefined)
    this.busyMs = new Float64Array(o.nodes)
  }

  chunkId (c: number): Uint8Array { return this.chunkIds.subarray(c * 32, c * 32 + 32) }

  /** Credit node s holds as received from node r (r's standing at s). */
  standing (s: number, r: number): number { return this.given[s]?.get(r) ?? 0 }

  /** What node r owes node s: credit s gave r less credit r gave s (negative: s owes r). */
  owed (s: number, r: number): number { return (this.sent[s]?.get(r) ?? 0) - this.standing(s, r) }

  /** r's weight in s's scheduler, from s's books alone. */
  weightAt (s: number, r: number): number {
    const gave = this.standing(s, r)
    // As accounting.ts weighs: a peer that gave nothing and left the probe unanswered weighs 1.
    if (gave === 0 && this.silent[s]?.has(r) === true) return 1
    return this.options.weight(gave, this.owed(s, r))
  }

  /** The node holds the chunk: its source, or a cached copy. */
  holds (node: number, chunk: number): boolean {
    return this.source[chunk] === node || (this.caches[node]?.held.has(chunk) ?? false)
  }

  cached (node: number): ReadonlySet<number> { return this.caches[node]?.held ?? new Set() }

  /** Expected revenue per byte of `chunk` at `node`: its heat there × its price there. */
  revenue (node: number, chunk: number): number {
    const h = this.heat[node]?.get(chunk)
    return h === undefined ? 0 : cacheValue(h, h.price, this.now, this.options.halfLifeMs)
  }

  /**
   * The lookup from `requester` for `chunk`, in rounds of `alpha` parallel queries to the
   * closest contributors known so far (its own table first, then those the answers name),
   * until a round reaches a node that holds the chunk. Of the holders that answered, the
   * cheapest serves (price.ts cheapestFirst: the farthest from the chunk's id, so cached
   * copies before the source). When no answer names a closer contributor, the provider
   * record the closest nodes keep names the source (one more round).
   */
  lookup (requester: number, chunk: number): LookupResult {
    const alpha = this.options.alpha
    const target = this.chunkId(chunk)
    const ids = this.net.ids
    const asked = new Set<number>([requester])
    let known = this.contributorsNear(requester, target, requester, asked)
    const rounds: number[][] = []
    for (let guard = 0; guard < 64; guard++) {
      const round = known.slice(0, alpha)
      if (round.length === 0) round.push(this.source[chunk])
      for (const n of round) asked.add(n)
      rounds.push(round)
      const holders = round.filter(n => this.holds(n, chunk))
      if (holders.length > 0) {
        const holder = cheapestFirst(target, holders.map(n => ({ id: this.net.id(n), n })))[0].n
        return { rounds, holder, offerTo: this.closestLacking(rounds, chunk, target) }
      }
      const next = new Set<number>(known.slice(alpha))
      for (const n of round) for (const c of this.contributorsNear(n, target, requester, asked)) next.add(c)
      known = [...next].sort((a, b) => closerTo(ids, a, b, target) ? -1 : closerTo(ids, b, a, target) ? 1 : 0)
    }
    const s = this.source[chunk]
    rounds.push([s])
    return { rounds, holder: s, offerTo: this.closestLacking(rounds, chunk, target) }
  }

  /** The contributors of `node`'s table closest to target that have not been asked yet. */
  private contributorsNear (node: number, target: Uint8Array, requester: number, asked: Set<number>): number[] {
    const out: number[] = []
    for (const c of this.net.closest(node, target, 24, requester)) {
      if (this.contributor[c] === 1 && !asked.has(c)) out.push(c)
      if (out.length >= this.options.alpha) break
    }
    return out
  }

  /** The DHT's cache offer: the node closest to the chunk among those asked that lacked it (−1: none). */
  private closestLacking (rounds: number[][], chunk: number, target: Uint8Array): number {
    let best = -1
    for (const round of rounds) {
      for (const n of round) {
        if (this.holds(n, chunk)) continue
        if (best < 0 || closerTo(this.net.ids, n, best, target)) best = n
      }
    }
    return best
  }

  /** Runs `fetches` requests arriving as a Poisson stream at `load` × the contributors' total capacity, until all are done. */
  runPhase (fetches: number, load: number): PhaseReport {
    const o = this.options
    const contributors = this.contributor.reduce((a, b) => a + b, 0)
    const ratePerMs = load * contributors * o.concurrency / o.serviceMs
    const records: FetchRecord[] = []
    let localReads = 0
    let refused = 0
    const start = this.now
    this.busyMs.fill(0)
    let arrived = 0
    let lastArrival = start
    const arrive = (): void => {
      lastArrival = this.now
      if (++arrived < fetches) this.queue.push(this.now - Math.log(1 - this.prng.float()) / ratePerMs, arrive)
      const requester = this.prng.int(o.nodes)
      const chunk = this.zipf.rank(this.prng.float())
      if (this.holds(requester, chunk)) { localReads++; return }
      this.fetch(requester, chunk, records, () => { refused++ })
    }
    this.queue.push(this.now, arrive)
    for (;;) {
      const e = this.queue.pop()
      if (e === undefined) break
      if (e.cancelled) continue
      this.now = e.time
      e.fn()
    }
    return this.report(load, records, localReads, refused, lastArrival - start, this.now - start, contributors)
  }

  private fetch (requester: number, chunk: number, records: FetchRecord[], onRefused: () => void): void {
    const o = this.options
    const asked = this.now
    const { rounds, holder, offerTo } = this.lookup(requester, chunk)
    let ms = 0
    for (const round of rounds) {
      // A round lasts until its slowest answer (the queries run in parallel).
      let slowest = 0
      for (const node of round) {
        slowest = Math.max(slowest, this.oneWay(requester, node) + o.processingMs + this.oneWay(node, requester))
        this.touchHeat(node, chunk)
        // The answer is priced service (cause lookup): node gave the requester an answer.
        if (o.lookupCredit > 0) this.book(node, requester, o.lookupCredit)
      }
      ms += slowest
    }
    const record: FetchRecord = {
      freeloader: this.contributor[requester] === 0,
      chunk,
      hops: rounds.length,
      latencyMs: Infinity,
      cacheHit: this.source[chunk] !== holder,
      queued: false,
      weight: 1,
      gave: false
    }
    records.push(record)
    this.queue.push(this.now + ms + this.oneWay(requester, holder), () => {
      const s = this.scheduler(holder)
      record.queued = s.active >= o.concurrency
      record.weight = this.weightAt(holder, requester)
      record.gave = this.standing(holder, requester) > 0
      const ok = s.submit(String(requester), o.chunkBytes, () => {
        this.busyMs[holder] += o.serviceMs
        this.queue.push(this.now + o.serviceMs, () => {
          s.done()
          record.latencyMs = this.now + this.oneWay(holder, requester) - asked
          this.settle(holder, requester, chunk)
          if (offerTo >= 0 && this.contributor[offerTo] === 1 && !this.holds(offerTo, chunk)) this.cacheAt(offerTo).offer(chunk)
          if (o.cacheDownloads && this.contributor[requester] === 1 && !this.holds(requester, chunk)) {
            // The real node caches what it downloads (the store's admission: heat 1 × its price).
            this.touchHeat(requester, chunk)
            this.cacheAt(requester).offer(chunk)
          }
        })
      })
      if (!ok) onRefused()
      else if (o.probeStrangers && this.standing(holder, requester) === 0) this.probe(holder, requester)
    })
  }

  /** The busy `server` asks `requester` one lookup query; a contributor's answer is standing, and its waiting requests move up. */
  private probe (server: number, requester: number): void {
    let p = this.probed[server]
    if (p === undefined) { p = new Set(); this.probed[server] = p }
    if (p.has(requester)) return
    p.add(requester)
    if (this.contributor[requester] !== 1 || this.options.lookupCredit <= 0) {
      // A freeloader never answers: once the probe times out it is silent, and weighs the least.
      this.queue.push(this.now + PROBE_TIMEOUT_MS, () => {
        let q = this.silent[server]
        if (q === undefined) { q = new Set(); this.silent[server] = q }
        q.add(requester)
        this.scheduler(server).reweigh(String(requester))
      })
      return
    }
    const rtt = this.oneWay(server, requester) + this.options.processingMs + this.oneWay(requester, server)
    this.queue.push(this.now + rtt, () => {
      this.book(requester, server, this.options.lookupCredit)
      this.scheduler(server).reweigh(String(requester))
    })
  }

  /** The requester's books: `server` gave it a chunk at the server's price. */
  private settle (server: number, requester: number, chunk: number): void {
    this.book(server, requester, this.options.chunkBytes * chunkBytePrice(this.nodeId(server), this.chunkId(chunk)))
  }

  /** Both sides' books: `server` gave `requester` service worth `credit`. */
  private book (server: number, requester: number, credit: number): void {
    if (this.contributor[server] === 1) {
      let t = this.sent[server]
      if (t === undefined) { t = new Map(); this.sent[server] = t }
      t.set(requester, (t.get(requester) ?? 0) + credit)
    }
    // A freeloader never serves, so what it received never counts anywhere.
    if (this.contributor[requester] !== 1) return
    let g = this.given[requester]
    if (g === undefined) { g = new Map(); this.given[requester] = g }
    g.set(server, (g.get(server) ?? 0) + credit)
  }

  private scheduler (node: number): FairScheduler {
    let s = this.schedulers[node]
    if (s === undefined) {
      s = new FairScheduler({ capacity: this.options.concurrency, maxQueued: this.options.maxQueued, weightOf: (r) => this.weightAt(node, Number(r)) })
      this.schedulers[node] = s
    }
    return s
  }

  private cacheAt (node: number): RevenueCache {
    let c = this.caches[node]
    if (c === undefined) {
      c = new RevenueCache(this.options.cacheSlots, (chunk) => this.revenue(node, chunk))
      this.caches[node] = c
    }
    return c
  }

  private touchHeat (node: number, chunk: number): void {
    let m = this.heat[node]
    if (m === undefined) { m = new Map(); this.heat[node] = m }
    const h = m.get(chunk)
    if (h !== undefined) {
      touch(h, this.now, this.options.halfLifeMs)
      // Map order is least recently touched first.
      m.delete(chunk)
      m.set(chunk, h)
      return
    }
    m.set(chunk, { score: 1, at: this.now, price: chunkBytePrice(this.nodeId(node), this.chunkId(chunk)) })
    if (m.size > MAX_HEAT_ENTRIES) {
      // Forget the least recently asked quarter (never what the node caches).
      const held = this.caches[node]?.held
      let drop = MAX_HEAT_ENTRIES >> 2
      for (const c of m.keys()) {
        if (drop-- <= 0) break
        if (held?.has(c) !== true) m.delete(c)
      }
    }
  }

  private nodeId (node: number): Uint8Array { return this.net.ids.subarray(node * 32, node * 32 + 32) }

  private oneWay (a: number, b: number): number {
    return a === b ? 0 : this.latency.sample(a, b, this.prng.normal())
  }

  private report (load: number, fetches: FetchRecord[], localReads: number, refused: number, arrivalMs: number, durationMs: number, contributors: number): PhaseReport {
    const o = this.options
    const median = (f: (r: FetchRecord) => boolean): number => percentile(fetches.filter(f).map(r => r.latencyMs), 50)
    const freeloaderP50 = median(r => r.freeloader)
    const contributorP50 = median(r => !r.freeloader)
    const tenth = Math.max(1, Math.floor(fetches.length / 10))
    const hitRate = (part: FetchRecord[]): number => part.length === 0 ? NaN : part.filter(r => r.cacheHit).length / part.length
    const popular = Math.max(1, Math.floor(o.chunks / 100))
    let busy = 0; let maxBusy = 0
    for (let i = 0; i < o.nodes; i++) { busy += this.busyMs[i]; maxBusy = Math.max(maxBusy, this.busyMs[i]) }
    const capacityMs = arrivalMs * o.concurrency
    return {
      load,
      fetches,
      localReads,
      refused,
      freeloaderP50,
      contributorP50,
      latencyRatio: freeloaderP50 / contributorP50,
      queuedRatio: median(r => r.freeloader && r.queued) / median(r => !r.freeloader && r.queued),
      hitRateFirstTenth: hitRate(fetches.slice(0, tenth)),
      hitRateLastTenth: hitRate(fetches.slice(-tenth)),
      popularHopsP50: percentile(fetches.filter(r => r.chunk < popular).map(r => r.hops), 50),
      hopsP50: percentile(fetches.map(r => r.hops), 50),
      meanOfferedLoad: capacityMs > 0 ? busy / contributors / capacityMs : 0,
      maxOfferedLoad: capacityMs > 0 ? maxBusy / capacityMs : 0,
      durationMs
    }
  }
}

/** Node a's id is closer (XOR) to target than node b's. */
function closerTo (ids: Uint8Array, a: number, b: number, target: Uint8Array): boolean {
  const x = a * 32; const y = b * 32
  for (let i = 0; i < 32; i++) {
    const da = ids[x + i] ^ target[i]
    const db = ids[y + i] ^ target[i]
    if (da !== db) return da < db
  }
  return false
}
