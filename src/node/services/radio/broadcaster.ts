import type { Clock } from '../../routing/clock.js'
import type { Broadcast, BroadcastStats, RadioCodec, StationInfo, StationKeyPair } from './radio-api.js'
import { MAX_POST_BYTES, MAX_SEGMENT_PAYLOAD } from './radio-api.js'
import { RadioError, RadioErrorCode } from './errors.js'
import { signSegment, MAX_SEGMENT_DURATION_MS, type Segment, type SegmentFields } from './segment.js'
import { encodeStationInfo } from './station-info.js'
import type { StationFeed } from './station-feed.js'

/**
 * The broadcasting end: signs what the caller hands over (one sequence
 * counter per station, started from the clock so a restarted broadcaster
 * continues above its old numbers) and feeds it to the local station feed,
 * whose children are the root relays. It also keeps the tree alive when the
 * audio pauses: the signed station info goes out at least every
 * `heartbeatMs` (listeners tell a quiet stream from a dead relay by it),
 * and info, decoder set-up and title are re-sent every `carouselMs` so a
 * newcomer's burst always holds fresh copies.
 */
export interface BroadcasterOptions {
  heartbeatMs: number
  carouselMs: number
}

export const DEFAULT_BROADCASTER: BroadcasterOptions = { heartbeatMs: 400, carouselMs: 5_000 }

export interface BroadcasterDeps {
  key: StationKeyPair
  info: { label: string, codec: RadioCodec, bitrateKbps: number }
  feed: StationFeed
  clock: Clock
  /** Wall-clock ms for timestamps (the virtual clock's epoch in simulations). */
  wallNow: () => number
  /** Hands a signed segment to the feed (and on to the roots). */
  emit: (seg: Segment) => void
  onClose: () => Promise<void>
}

export class Broadcaster implements Broadcast {
  private seq: number
  private lastSent = -Infinity
  private lastCarousel = -Infinity
  private initPayload: Buffer | undefined
  private titleText: string | undefined
  private cancelTick: (() => void) | undefined
  private closed = false
  /** (time, audio bytes) of the last 10 s, for kbit/s. */
  private readonly rate: Array<[number, number]> = []
  readonly options: BroadcasterOptions

  constructor (private readonly deps: BroadcasterDeps, options: Partial<BroadcasterOptions> = {}) {
    this.options = { ...DEFAULT_BROADCASTER, ...options }
    this.seq = deps.wallNow()
    this.sendInfo(false)
    this.schedule()
  }

  get station (): StationInfo { return this.deps.feed.stationInfo() }

  private sign (f: Omit<SegmentFields, 'seq' | 'timestampMs' | 'codec'>): void {
    if (this.closed) throw new RadioError(RadioErrorCode.NOT_RUNNING, 'this broadcast was closed; start a new one')
    const seg = signSegment(this.deps.key, { ...f, seq: this.seq++, timestampMs: this.deps.wallNow(), codec: this.deps.info.codec })
    this.lastSent = this.deps.clock.now()
    this.deps.emit(seg)
  }

  private sendInfo (ended: boolean): void {
    this.sign({ kind: 'info', durationMs: 0, payload: encodeStationInfo({ label: this.deps.info.label, bitrateKbps: this.deps.info.bitrateKbps, ended }) })
  }

  private schedule (): void {
    this.cancelTick = this.deps.clock.setTimer(Math.min(this.options.heartbeatMs, 100), () => {
      if (this.closed) return
      const now = this.deps.clock.now()
      if (now - this.lastCarousel >= this.options.carouselMs) {
        this.lastCarousel = now
        this.sendInfo(false)
        if (this.initPayload !== undefined) this.sign({ kind: 'init', durationMs: 0, payload: this.initPayload })
        if (this.titleText !== undefined) this.sign({ kind: 'title', durationMs: 0, payload: Buffer.from(this.titleText, 'utf8') })
      } else if (now - this.lastSent >= this.options.heartbeatMs) {
        this.sendInfo(false)
      }
      this.schedule()
    })
  }

  pushAudio (frames: Buffer, durationMs: number): void {
    if (frames.length === 0 || frames.length > MAX_SEGMENT_PAYLOAD) {
      throw new RadioError(RadioErrorCode.TOO_LARGE, `an audio segment must hold 1..${MAX_SEGMENT_PAYLOAD} bytes (got ${frames.length}); split the frames into smaller groups`)
    }
    if (!Number.isInteger(durationMs) || durationMs < 0 || durationMs > MAX_SEGMENT_DURATION_MS) {
      throw new RadioError(RadioErrorCode.INVALID_ARGUMENT, `segment duration ${durationMs} ms is not a whole number within 0..${MAX_SEGMENT_DURATION_MS}`)
    }
    this.sign({ kind: 'audio', durationMs, payload: frames })
    const now = this.deps.clock.now()
    this.rate.push([now, frames.length])
    while (this.rate.length > 0 && this.rate[0][0] < now - 10_000) this.rate.shift()
  }

  setInit (init: Buffer): void {
    if (init.length > MAX_SEGMENT_PAYLOAD) throw new RadioError(RadioErrorCode.TOO_LARGE, `decoder set-up of ${init.length} bytes exceeds ${MAX_SEGMENT_PAYLOAD}`)
    this.initPayload = Buffer.from(init)
    this.sign({ kind: 'init', durationMs: 0, payload: init })
  }

  setNowPlaying (title: string): void {
    const payload = truncateUtf8(title, MAX_POST_BYTES)
    this.titleText = payload.toString('utf8')
    this.sign({ kind: 'title', durationMs: 0, payload })
  }

  post (text: string): void {
    const payload = Buffer.from(text, 'utf8')
    if (payload.length === 0 || payload.length > MAX_POST_BYTES) {
      throw new RadioError(RadioErrorCode.TOO_LARGE, `a post must hold 1..${MAX_POST_BYTES} bytes of UTF-8 (got ${payload.length}); shorten it`)
    }
    this.sign({ kind: 'post', durationMs: 0, payload })
  }

  stats (): BroadcastStats {
    const sub = this.deps.feed.subtree()
    const now = this.deps.clock.now()
    const bytes = this.rate.filter(([t]) => t >= now - 10_000).reduce((a, [, b]) => a + b, 0)
    return { listeners: sub.listeners, relays: sub.relays, kbps: Math.round(bytes * 8 / 10_000), nowPlaying: this.titleText }
  }

  async close (): Promise<void> {
    if (this.closed) return
    // Listeners hear that the station ended (their stream closes at once, not after a time-out).
    this.sendInfo(true)
    this.closed = true
    this.cancelTick?.()
    await this.deps.onClose()
  }
}

/** At most `max` bytes of `text`, cut on a character boundary. */
function truncateUtf8 (text: string, max: number): Buffer {
  const b = Buffer.from(text, 'utf8')
  if (b.length <= max) return b
  let end = max
  while (end > 0 && (b[end] & 0xc0) === 0x80) end--
  return b.subarray(0, end)
}
