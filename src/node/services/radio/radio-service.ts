import { systemClock, type Clock } from '../../routing/clock.js'
import type { Contact } from '../../routing/contact.js'
import { tryDecode } from '../../wire/codec.js'
import { VALUE_KIND, type ServiceNetwork, type ServiceRequestContext } from '../service-network.js'
import { Broadcaster, type BroadcasterOptions } from './broadcaster.js'
import { ChildQueue, type ChildQueueOptions } from './child-queue.js'
import { RadioError, RadioErrorCode } from './errors.js'
import { handleAdopt } from './handlers/adopt.js'
import { handleLeave } from './handlers/leave.js'
import { handlePush } from './handlers/push.js'
import type { RelayContext } from './handlers/relay-context.js'
import { handleSubscribe } from './handlers/subscribe.js'
import { joinStation } from './join.js'
import { ListeningHandle } from './listening-handle.js'
import {
  decodeOffer, decodePushReply, decodeRequest, decodeSubscribeReply, encodeOffer, encodePushReply, encodeRequest,
  encodeSubscribeReply, LEAVE_REPLY, pathId, RADIO_SERVICE, type Offer
} from './messages.js'
import type { Broadcast, Listening, RadioCodec, RadioService, StationInfo, StationKeyPair } from './radio-api.js'
import type { WindowVerdict } from './replay-window.js'
import { openSegment, type Segment } from './segment.js'
import { StationFeed, type FeedOptions } from './station-feed.js'

/**
 * The radio service: stations broadcast from this node, the relay trees it
 * takes part in, and the shared subscriptions of local consumers. Every node
 * that carries a station can feed others (listeners are relays too, as far
 * as their upload budget goes), answers FIND_VALUE of kind station with an
 * offer, and subscribes on its own to stations its lookups keep missing
 * (the seed's demand: the tree grows where the listeners are).
 *
 * Transport: segments go as request/response pushes on the "radio" service.
 * A reply acknowledges each push (one retry per segment when a push is lost)
 * and carries the child's price and subtree counts back up; per-child queues
 * with drop-oldest keep a slow child from slowing anyone else (child-queue.ts).
 */
export interface RadioServiceOptions {
  network: ServiceNetwork
  /** Timers and stall detection (the simulator's virtual clock in benchmarks). */
  clock?: Clock
  /** Wall-clock ms for segment timestamps. Default Date.now. */
  wallNow?: () => number
  /** Children this node feeds, over all stations (its upload budget). Default 8. */
  maxChildren?: number
  /** Root relays a broadcaster keeps (the source uploads this many copies). Default 2. */
  roots?: number
  /** Stations held at once (listening, relaying, broadcasting). Default 32. */
  maxFeeds?: number
  /** No push from the upstream for this long: re-join elsewhere. Default 1500 ms. */
  stallMs?: number
  /** No segment at all for this long: the station is silent, consumers get 'station-silent'. Default 15 s. */
  silentMs?: number
  /** How long listen() looks for a relay before NOT_FOUND. Default 6 s. */
  joinTimeoutMs?: number
  /** Distinct missed queries for a station before this node relays it on its own. Default 3. */
  demandThreshold?: number
  /** A relay with no children and no consumers leaves after this long. Default 30 s. */
  relayIdleMs?: number
  pushTimeoutMs?: number
  subscribeTimeoutMs?: number
  feed?: Partial<FeedOptions>
  broadcaster?: Partial<BroadcasterOptions>
  childQueue?: Partial<ChildQueueOptions>
  /**
   * Told the price of each parent this node subscribes to (the seed's "that node then earns
   * income from the subscriber"): where the credit ledger will charge it. Not charged yet.
   */
  onPrice?: (parent: Contact, station: Buffer, price: number) => void
  log?: (level: 'debug' | 'info' | 'warn', message: string) => void
}

const TICK_MS = 200
const HOLD_EVERY_MS = 400
/** An offer whose signed info is older than this is not believed (a relay that lost the stream long ago). */
const OFFER_MAX_AGE_MS = 30_000
const DEMAND_COOLDOWN_MS = 30_000
const MAX_COOLDOWNS = 256

export function createRadioService (opts: RadioServiceOptions): RadioService & RadioServiceInternals {
  return new RadioNode(opts)
}

/** What tests and benchmarks look at beyond the public contract. */
export interface RadioServiceInternals {
  readonly feeds: ReadonlyMap<string, StationFeed>
  /** How long the last re-joins took, upstream lost → new parent (ms, the latest 1,024). */
  readonly rejoinTimes: readonly number[]
}

interface Settings {
  maxChildren: number
  roots: number
  maxFeeds: number
  stallMs: number
  silentMs: number
  joinTimeoutMs: number
  demandThreshold: number
  relayIdleMs: number
  pushTimeoutMs: number
  subscribeTimeoutMs: number
}

class RadioNode implements RadioService, RadioServiceInternals, RelayContext {
  readonly feeds = new Map<string, StationFeed>()
  readonly rejoinTimes: number[] = []
  private readonly rejoinStarted = new Map<string, number>()
  private readonly network: ServiceNetwork
  private readonly clock: Clock
  readonly wallNow: () => number
  private readonly s: Settings
  private readonly candidates = new Map<string, Contact>()
  private readonly cooldown = new Map<string, number>()
  private readonly idleSince = new Map<string, number>()
  private readonly lastHold = new Map<string, number>()
  private readonly adopting = new Set<string>()
  private readonly broadcasts = new Map<string, Broadcaster>()
  private cancelTick: (() => void) | undefined
  private registered = false
  running = false

  constructor (private readonly opts: RadioServiceOptions) {
    this.network = opts.network
    this.clock = opts.clock ?? systemClock
    this.wallNow = opts.wallNow ?? Date.now
    this.s = {
      maxChildren: opts.maxChildren ?? 8,
      roots: opts.roots ?? 2,
      maxFeeds: opts.maxFeeds ?? 32,
      stallMs: opts.stallMs ?? 1000,
      silentMs: opts.silentMs ?? 15_000,
      joinTimeoutMs: opts.joinTimeoutMs ?? 6_000,
      demandThreshold: opts.demandThreshold ?? 3,
      relayIdleMs: opts.relayIdleMs ?? 30_000,
      pushTimeoutMs: opts.pushTimeoutMs ?? 1_500,
      subscribeTimeoutMs: opts.subscribeTimeoutMs ?? 600
    }
  }

  get self (): Contact { return this.network.self }
  now (): number { return this.clock.now() }

  start (): void {
    if (this.running) return
    this.running = true
    if (!this.registered) {
      this.registered = true
      this.network.registerService(RADIO_SERVICE, { onRequest: async (payload, ctx) => this.onRequest(payload, ctx) })
      this.network.registerValueProvider(VALUE_KIND.station, {
        get: (key) => this.answerFind(key),
        onMiss: (key, _from, notFound) => this.onMiss(key, notFound),
        validate: (key, value) => this.checkOffer(key, value) !== undefined,
        cache: () => false // an offer names the node that carries the station: a copy elsewhere would lie
      })
    }
    this.tick()
  }

  async stop (): Promise<void> {
    if (!this.running) return
    this.running = false
    this.cancelTick?.()
    for (const b of this.broadcasts.values()) await b.close().catch(() => undefined)
    for (const feed of [...this.feeds.values()]) this.closeFeed(feed, 'stopped')
  }

  // ---- the public contract

  broadcast (key: StationKeyPair, info: { label: string, codec: RadioCodec, bitrateKbps: number }): Broadcast {
    this.checkRunning()
    if (key.publicKey.length !== 32 || key.privateKey.length !== 32) throw new RadioError(RadioErrorCode.INVALID_ARGUMENT, 'a station key pair is a 32-byte public key and a 32-byte private key')
    const hex = key.publicKey.toString('hex')
    const old = this.feeds.get(hex)
    if (old?.state === 'broadcasting') throw new RadioError(RadioErrorCode.INVALID_ARGUMENT, `station ${info.label} is already broadcasting from this node; close that broadcast first`)
    if (old !== undefined) this.closeFeed(old, 'closed')
    const feed = new StationFeed(Buffer.from(key.publicKey), this.self.id, 'broadcasting', this.now(), this.opts.feed)
    feed.codec = info.codec
    feed.label = info.label
    feed.bitrateKbps = info.bitrateKbps
    this.feeds.set(hex, feed)
    const b = new Broadcaster({
      key,
      info,
      feed,
      clock: this.clock,
      wallNow: this.wallNow,
      emit: (seg) => { this.accept(feed, seg) },
      onClose: async () => {
        this.broadcasts.delete(hex)
        // Let the signed "ended" reach the roots before the feed goes.
        await new Promise<void>(resolve => this.clock.setTimer(300, resolve))
        if (this.feeds.get(hex) === feed) this.closeFeed(feed, 'closed')
      }
    }, this.opts.broadcaster)
    this.broadcasts.set(hex, b)
    void this.keepRoots(feed)
    return b
  }

  async listen (station: Buffer, opts: { signal?: AbortSignal } = {}): Promise<Listening> {
    this.checkRunning()
    if (station.length !== 32) throw new RadioError(RadioErrorCode.INVALID_ARGUMENT, `a station id is 32 bytes (64 hex digits), got ${station.length}`)
    const hex = station.toString('hex')
    const existing = this.feeds.get(hex)
    // A join this node started on its own (demand) may be under way: share it, but if it
    // fails, this listener still gets a join of its own.
    if (existing?.joining !== undefined) await existing.joining.catch(() => undefined)
    let feed = this.feeds.get(hex)
    if (feed === undefined) {
      if (this.feeds.size >= this.s.maxFeeds) this.evictIdleRelay()
      if (this.feeds.size >= this.s.maxFeeds) throw new RadioError(RadioErrorCode.INVALID_ARGUMENT, `this node already holds ${this.s.maxFeeds} stations; close one first`)
      feed = new StationFeed(Buffer.from(station), this.self.id, 'joining', this.now(), this.opts.feed)
      this.feeds.set(hex, feed)
      feed.joining = this.firstJoin(feed, opts.signal)
    }
    if (feed.joining !== undefined) await feed.joining
    return new ListeningHandle(feed, (f) => this.consumerGone(f))
  }

  known (): StationInfo[] {
    return [...this.feeds.values()].filter(f => f.state !== 'closed' && f.info !== undefined).map(f => f.stationInfo())
  }

  // ---- joining the tree

  private async firstJoin (feed: StationFeed, signal: AbortSignal | undefined): Promise<void> {
    const deadline = this.now() + this.s.joinTimeoutMs
    try {
      while (this.running && this.now() < deadline) {
        if (signal?.aborted === true) throw new RadioError(RadioErrorCode.ABORTED, 'listening was aborted')
        // A broadcaster may adopt this node as a root while it looks for a parent: then it has one.
        if (feed.carrying || await this.joinOnce(feed, new Set(), signal)) return
        await this.sleep(300)
      }
      throw new RadioError(RadioErrorCode.NOT_FOUND, `no relay carries station ${feed.hex}: check the id, or whether its broadcaster is on air`)
    } catch (err) {
      if (this.feeds.get(feed.hex) === feed) { this.feeds.delete(feed.hex); feed.state = 'closed' }
      throw err
    } finally {
      feed.joining = undefined
    }
  }

  /** One attempt; true when the feed has a parent. */
  private async joinOnce (feed: StationFeed, avoid: Set<string>, signal?: AbortSignal): Promise<boolean> {
    let joined
    try {
      joined = await joinStation({
        network: this.network,
        subscribe: async (to, station) => decodeSubscribeReply(await this.network.request(to, RADIO_SERVICE,
          encodeRequest({ type: 'subscribe', station, burst: true }), { timeoutMs: this.s.subscribeTimeoutMs, signal })),
        checkOffer: (station, value) => this.checkOffer(station, value),
        onCandidate: (c) => { if (c === undefined) this.candidates.delete(feed.hex); else this.candidates.set(feed.hex, c) }
      }, feed.station, { avoid, signal, spare: feed.spare.filter(a => !avoid.has(a.contact.id.toString('hex'))) })
    } catch {
      return false
    }
    if (joined === undefined) { this.opts.log?.('debug', `radio ${feed.hex.slice(0, 8)}: no parent found this round`); return false }
    if (feed.state === 'closed' || this.feeds.get(feed.hex) !== feed) {
      this.sendLeave(joined.parent, feed.station)
      return false
    }
    if (feed.carrying && feed.upstream !== undefined && !feed.upstream.id.equals(joined.parent.id)) {
      // Adopted meanwhile: keep that parent (nearer the source), let the other go.
      this.sendLeave(joined.parent, feed.station)
      return true
    }
    this.opts.log?.('debug', `radio ${feed.hex.slice(0, 8)}: joined ${joined.parent.id.toString('hex').slice(0, 8)} at depth ${joined.offer.path.length} after ${joined.tried} tries`)
    const since = this.rejoinStarted.get(feed.hex)
    if (since !== undefined) {
      this.rejoinStarted.delete(feed.hex)
      this.rejoinTimes.push(this.now() - since)
      if (this.rejoinTimes.length > 1024) this.rejoinTimes.shift()
    }
    feed.upstream = joined.parent
    feed.spare = joined.spare
    feed.parentPrice = joined.offer.price
    this.opts.onPrice?.(joined.parent, feed.station, joined.offer.price)
    feed.path = [...joined.offer.path, pathId(this.self.id)]
    feed.state = 'carrying'
    feed.lastUpstreamAt = this.now()
    const info = openSegment(joined.offer.info)
    if (typeof info !== 'string') this.accept(feed, info)
    return true
  }

  lostUpstream (feed: StationFeed, why: string): void {
    if (feed.state !== 'carrying') return
    this.opts.log?.('debug', `radio ${feed.hex.slice(0, 8)}: re-joining (${why})`)
    const old = feed.upstream
    feed.upstream = undefined
    feed.state = 'rejoining'
    this.rejoinStarted.set(feed.hex, this.now())
    if (old !== undefined) this.sendLeave(old, feed.station)
    const avoid = new Set(old !== undefined ? [old.id.toString('hex')] : [])
    void (async () => {
      while (this.running && feed.state === 'rejoining') {
        if (await this.joinOnce(feed, avoid)) return
        avoid.clear() // the old parent may be the only one left: allow it on later rounds
        await this.sleep(250)
      }
    })()
  }

  // ---- the tree's edges

  capacity (feed: StationFeed): number {
    return feed.state === 'broadcasting' ? this.s.roots : this.s.maxChildren
  }

  freeSlots (feed: StationFeed): number {
    if (feed.state === 'broadcasting') return this.s.roots - feed.children.size
    let used = 0
    for (const f of this.feeds.values()) if (f.state !== 'broadcasting') used += f.children.size
    return this.s.maxChildren - used
  }

  addChild (feed: StationFeed, child: Contact, burst: boolean): void {
    const hex = child.id.toString('hex')
    let q = feed.children.get(hex)
    if (q === undefined) {
      q = new ChildQueue(child, async (to, segment, timeoutMs) => decodePushReply(await this.network.request(to, RADIO_SERVICE,
        encodeRequest({ type: 'push', path: feed.path, segment }), { timeoutMs })),
      () => { if (feed.children.get(hex) === q) feed.children.delete(hex) },
      { maxTimeoutMs: this.s.pushTimeoutMs, now: () => this.clock.now(), ...this.opts.childQueue })
      feed.children.set(hex, q)
    }
    if (burst) for (const b of feed.burst(this.wallNow(), feed.window.options.maxAgeMs - 2_000)) q.enqueue(b)
  }

  removeChild (feed: StationFeed, childHex: string): void {
    feed.children.get(childHex)?.close()
    feed.children.delete(childHex)
  }

  adopt (station: Buffer, from: Contact): StationFeed | undefined {
    const hex = station.toString('hex')
    let feed = this.feeds.get(hex)
    if (feed === undefined) {
      if (this.feeds.size >= this.s.maxFeeds) return undefined
      feed = new StationFeed(Buffer.from(station), this.self.id, 'carrying', this.now(), this.opts.feed)
      this.feeds.set(hex, feed)
    } else if (feed.upstream?.id.equals(from.id) !== true && feed.upstream !== undefined) {
      this.sendLeave(feed.upstream, station)
    }
    feed.upstream = from
    feed.path = [pathId(from.id), pathId(this.self.id)]
    feed.state = 'carrying'
    feed.lastUpstreamAt = this.now()
    return feed
  }

  accept (feed: StationFeed, seg: Segment): WindowVerdict {
    const v = feed.ingest(seg, this.wallNow())
    if (v === 'ok' && seg.kind === 'info' && feed.ended && feed.state !== 'broadcasting') {
      // The broadcaster signed off: pass it on (done above), then let go.
      this.clock.setTimer(300, () => { if (this.feeds.get(feed.hex) === feed) this.closeFeed(feed, 'closed') })
    }
    return v
  }

  // ---- inbound

  private async onRequest (payload: Buffer, ctx: ServiceRequestContext): Promise<Uint8Array> {
    const m = tryDecode(decodeRequest, payload)
    if (m === undefined) throw new RadioError(RadioErrorCode.MALFORMED, 'not a radio request')
    if (!this.running) throw new RadioError(RadioErrorCode.NOT_RUNNING, 'the radio service is stopped')
    switch (m.type) {
      case 'subscribe': return encodeSubscribeReply(handleSubscribe(this, m.station, ctx.from, m.burst))
      case 'adopt': return encodeSubscribeReply(handleAdopt(this, m.station, ctx.from))
      case 'push': return encodePushReply(handlePush(this, m.path, m.segment, ctx.from, (hex) => this.candidates.get(hex)))
      case 'leave': handleLeave(this, m.station, ctx.from); return LEAVE_REPLY
    }
  }

  private answerFind (key: Buffer): Buffer | undefined {
    const feed = this.feeds.get(key.toString('hex'))
    const offer = feed === undefined ? undefined : feed.offer(this.capacity(feed))
    return offer === undefined ? undefined : encodeOffer(offer)
  }

  checkOffer (station: Buffer, value: Buffer): Offer | undefined {
    const offer = tryDecode(decodeOffer, value)
    if (offer === undefined) return undefined
    const info = openSegment(offer.info)
    if (typeof info === 'string' || info.kind !== 'info' || !info.station.equals(station)) return undefined
    if (info.timestampMs < this.wallNow() - OFFER_MAX_AGE_MS) return undefined
    return offer
  }

  /** The seed's demand: a station asked for here again and again, that no one near answered, gets relayed here. */
  private onMiss (key: Buffer, notFound: number): void {
    if (!this.running || key.length !== 32 || notFound < this.s.demandThreshold) return
    const hex = key.toString('hex')
    if (this.feeds.has(hex) || this.feeds.size >= this.s.maxFeeds || this.freeSlotsTotal() <= 0) return
    const until = this.cooldown.get(hex)
    if (until !== undefined && until > this.now()) return
    if (this.cooldown.size >= MAX_COOLDOWNS) this.cooldown.delete(this.cooldown.keys().next().value as string)
    this.cooldown.set(hex, this.now() + DEMAND_COOLDOWN_MS)
    const feed = new StationFeed(Buffer.from(key), this.self.id, 'joining', this.now(), this.opts.feed)
    this.feeds.set(hex, feed)
    feed.joining = this.firstJoin(feed, undefined)
    feed.joining.catch(() => undefined) // nobody waits on a join by demand; a failure just leaves no feed
  }

  private freeSlotsTotal (): number {
    let used = 0
    for (const f of this.feeds.values()) if (f.state !== 'broadcasting') used += f.children.size
    return this.s.maxChildren - used
  }

  // ---- upkeep

  private tick (): void {
    this.cancelTick = this.clock.setTimer(TICK_MS, () => {
      if (!this.running) return
      const now = this.now()
      for (const feed of [...this.feeds.values()]) this.upkeep(feed, now)
      this.tick()
    })
  }

  private upkeep (feed: StationFeed, now: number): void {
    if (feed.state === 'broadcasting') {
      if (feed.children.size < this.s.roots) void this.keepRoots(feed)
      return
    }
    if (feed.state === 'joining') return
    if (now - feed.lastSegmentAt > this.s.silentMs) { this.closeFeed(feed, 'station-silent'); return }
    if (feed.state === 'carrying' && (now - feed.lastUpstreamAt > this.s.stallMs || now - feed.lastSegmentAt > this.s.stallMs * 3)) {
      this.lostUpstream(feed, now - feed.lastUpstreamAt > this.s.stallMs ? 'stalled' : 'holding too long')
    }
    if (feed.state === 'rejoining' && now - (this.lastHold.get(feed.hex) ?? 0) >= HOLD_EVERY_MS) {
      // Our children stay with us while we find a new parent: one re-join, not a whole subtree's.
      this.lastHold.set(feed.hex, now)
      for (const c of feed.children.values()) c.enqueue(feed.station)
    }
    if (feed.consumers === 0 && feed.children.size === 0) {
      const since = this.idleSince.get(feed.hex) ?? now
      this.idleSince.set(feed.hex, since)
      if (now - since > this.s.relayIdleMs) this.closeFeed(feed, 'closed')
    } else {
      this.idleSince.delete(feed.hex)
    }
  }

  private async keepRoots (feed: StationFeed): Promise<void> {
    if (this.adopting.has(feed.hex)) return
    this.adopting.add(feed.hex)
    try {
      const near = await this.network.closest(feed.station, { count: this.s.roots * 3 })
      for (const c of near) {
        if (feed.children.size >= this.s.roots || feed.state !== 'broadcasting') break
        if (c.id.equals(this.self.id) || feed.children.has(c.id.toString('hex'))) continue
        try {
          const r = decodeSubscribeReply(await this.network.request(c, RADIO_SERVICE, encodeRequest({ type: 'adopt', station: feed.station }), { timeoutMs: this.s.subscribeTimeoutMs }))
          if (r.status === 'accepted' && feed.state === 'broadcasting') this.addChild(feed, c, true)
        } catch { /* the next nearest */ }
      }
    } catch (err) {
      this.opts.log?.('debug', `radio: finding root relays failed: ${(err as Error).message}`)
    } finally {
      // Not at once again: a network without enough nodes would spin.
      this.clock.setTimer(1_000, () => this.adopting.delete(feed.hex))
    }
  }

  private consumerGone (feed: StationFeed): void {
    if (feed.consumers > 0 || feed.state === 'broadcasting') return
    // Still feeding others: stay as a relay (upkeep lets it go once idle).
    if (feed.children.size === 0) this.closeFeed(feed, 'closed')
  }

  private closeFeed (feed: StationFeed, why: 'closed' | 'station-silent' | 'stopped'): void {
    if (feed.state === 'closed') return
    const wasUpstream = feed.upstream
    feed.state = 'closed'
    for (const c of feed.children.values()) c.close()
    feed.children.clear()
    if (this.feeds.get(feed.hex) === feed) this.feeds.delete(feed.hex)
    this.idleSince.delete(feed.hex)
    this.lastHold.delete(feed.hex)
    this.rejoinStarted.delete(feed.hex)
    if (wasUpstream !== undefined) this.sendLeave(wasUpstream, feed.station)
    feed.emit('end', why)
  }

  private evictIdleRelay (): void {
    for (const f of this.feeds.values()) {
      if (f.state !== 'broadcasting' && f.consumers === 0 && f.children.size === 0) { this.closeFeed(f, 'closed'); return }
    }
  }

  private sendLeave (to: Contact, station: Buffer): void {
    this.network.request(to, RADIO_SERVICE, encodeRequest({ type: 'leave', station }), { timeoutMs: 1_000 }).catch(() => undefined)
  }

  private async sleep (ms: number): Promise<void> {
    await new Promise<void>(resolve => this.clock.setTimer(ms, resolve))
  }

  private checkRunning (): void {
    if (!this.running) throw new RadioError(RadioErrorCode.NOT_RUNNING, 'the radio service is not running: start the node first')
  }
}
