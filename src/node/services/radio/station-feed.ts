import { EventEmitter } from 'node:events'
import type { Contact } from '../../routing/contact.js'
import { tryDecode } from '../../wire/codec.js'
import type { ChildQueue } from './child-queue.js'
import { MAX_DEPTH, pathId, type Alternative, type Offer } from './messages.js'
import type { ListenEnd, RadioCodec, StationInfo, VerifiedSegment } from './radio-api.js'
import { ReplayWindow, type ReplayWindowOptions, type WindowVerdict } from './replay-window.js'
import { toVerified, type Segment } from './segment.js'
import { decodeStationInfo } from './station-info.js'

/**
 * One station as this node holds it: where its segments come from
 * (upstream, or this node when it broadcasts), the children it feeds, the
 * replay window, and what a newcomer needs at once (station info, decoder
 * set-up, now playing, recent posts and the last few seconds of audio: the
 * burst). Pure state; the service does the talking.
 */
export type FeedState = 'joining' | 'carrying' | 'rejoining' | 'broadcasting' | 'closed'

export interface FeedOptions {
  /** Audio kept for the burst-on-connect, ms of play time. */
  burstMs: number
  /** Text posts kept. */
  maxPosts: number
  window: Partial<ReplayWindowOptions>
}

export const DEFAULT_FEED: FeedOptions = { burstMs: 4_000, maxPosts: 32, window: {} }
/** Bound on burst segments whatever their durations claim. */
const MAX_RECENT = 512

export interface FeedEvents {
  segment: [VerifiedSegment]
  end: [ListenEnd]
}

export class StationFeed extends EventEmitter<FeedEvents> {
  readonly hex: string
  state: FeedState
  upstream: Contact | undefined
  /** Candidates the last join met and did not need: a re-join tries them before any lookup. */
  spare: Alternative[] = []
  /** What the upstream's offer asked (recorded for the credit ledger). */
  parentPrice = 0
  /** 8-byte ids from the broadcaster's node down to this node. */
  path: Buffer[]
  readonly children = new Map<string, ChildQueue>()
  consumers = 0
  codec: RadioCodec = 'mp3'
  label = ''
  bitrateKbps = 0
  ended = false
  info: Segment | undefined
  init: Segment | undefined
  title: Segment | undefined
  readonly postList: Segment[] = []
  readonly recentAudio: Segment[] = []
  private recentMs = 0
  /** Last real segment accepted (local clock). */
  lastSegmentAt: number
  /** Last push (segment or hold) from the upstream. */
  lastUpstreamAt: number
  /** Segments refused, by reason (what a test or the dashboard can look at). */
  readonly refused: Record<string, number> = {}
  readonly window: ReplayWindow
  readonly options: FeedOptions
  /** Set while a join runs, so concurrent listens share it. */
  joining: Promise<void> | undefined

  constructor (readonly station: Buffer, readonly self: Buffer, state: FeedState, now: number, options: Partial<FeedOptions> = {}) {
    super()
    this.hex = station.toString('hex')
    this.state = state
    this.path = [pathId(self)]
    this.lastSegmentAt = now
    this.lastUpstreamAt = now
    this.options = { ...DEFAULT_FEED, ...options }
    this.window = new ReplayWindow(this.options.window)
  }

  /** Carrying: this node has the stream and may feed others. */
  get carrying (): boolean { return this.state === 'carrying' || this.state === 'broadcasting' }

  get depth (): number { return this.path.length - 1 }

  role (): StationInfo['role'] {
    return this.state === 'broadcasting' ? 'broadcasting' : this.consumers > 0 ? 'listening' : 'relaying'
  }

  /**
   * Takes a verified segment of this station (from upstream or the local
   * broadcaster): window check, caches, children, consumers. Returns the verdict.
   */
  ingest (seg: Segment, now: number): WindowVerdict {
    const verdict = this.window.accept(seg.seq, seg.timestampMs, now)
    if (verdict !== 'ok') { this.refused[verdict] = (this.refused[verdict] ?? 0) + 1; return verdict }
    this.lastSegmentAt = now
    this.codec = seg.codec
    switch (seg.kind) {
      case 'audio': this.keepAudio(seg); break
      case 'init': if (this.init === undefined || seg.seq > this.init.seq) this.init = seg; break
      case 'title': if (this.title === undefined || seg.seq > this.title.seq) this.title = seg; break
      case 'post':
        this.postList.push(seg)
        if (this.postList.length > this.options.maxPosts) this.postList.shift()
        break
      case 'info': {
        if (this.info !== undefined && seg.seq < this.info.seq) break
        const p = tryDecode(decodeStationInfo, seg.payload)
        if (p === undefined) break
        this.info = seg
        this.label = p.label
        this.bitrateKbps = p.bitrateKbps
        this.ended = p.ended
        break
      }
    }
    for (const child of this.children.values()) child.enqueue(seg.bytes)
    if (seg.kind !== 'info') this.emit('segment', toVerified(seg))
    return verdict
  }

  private keepAudio (seg: Segment): void {
    this.recentAudio.push(seg)
    this.recentMs += seg.durationMs
    while (this.recentAudio.length > 1 && (this.recentMs - this.recentAudio[0].durationMs >= this.options.burstMs || this.recentAudio.length > MAX_RECENT)) {
      this.recentMs -= (this.recentAudio.shift() as Segment).durationMs
    }
  }

  /** What a new child gets at once, oldest first: info, set-up, title, posts, recent audio. */
  burst (now: number, maxAgeMs: number): Buffer[] {
    const all = [this.info, this.init, this.title, ...this.postList.slice(-4), ...this.recentAudio]
      .filter((s): s is Segment => s !== undefined && s.timestampMs >= now - maxAgeMs)
    return all.sort((a, b) => a.seq - b.seq).map(s => s.bytes)
  }

  /**
   * The price of feeding one more child: the seed's rule, dearer toward the
   * source (shallow) and dearer when loaded, so listeners settle on leaves
   * and spread over relays.
   */
  price (capacity: number): number {
    const depthPart = (MAX_DEPTH + 1 - Math.min(MAX_DEPTH, this.depth)) * 100
    const loadPart = capacity <= 0 ? 1000 : Math.round(1000 * this.children.size / capacity)
    return depthPart + loadPart
  }

  offer (capacity: number): Offer | undefined {
    if (!this.carrying || this.info === undefined) return undefined
    return { path: this.path, price: this.price(capacity), children: this.children.size, capacity, info: this.info.bytes }
  }

  /** Listeners and tree nodes under and including this node, for the broadcaster's figures. */
  subtree (): { listeners: number, relays: number } {
    let listeners = this.consumers > 0 ? 1 : 0
    let relays = this.state === 'broadcasting' ? 0 : 1
    for (const c of this.children.values()) { listeners += c.listeners; relays += c.relays }
    return { listeners, relays }
  }

  stationInfo (): StationInfo {
    return {
      id: this.station,
      label: this.label,
      codec: this.codec,
      bitrateKbps: this.bitrateKbps,
      nowPlaying: this.title?.payload.toString('utf8'),
      role: this.role(),
      children: this.children.size
    }
  }

  verified (segs: Segment[]): VerifiedSegment[] { return segs.map(toVerified) }
}
