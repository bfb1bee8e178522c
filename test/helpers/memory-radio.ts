/**
 * An in-memory RadioService for the gateway's tests: stations live in this
 * process, segments are handed to listeners synchronously, nothing is signed
 * or sent anywhere. It keeps the contract of radio-api.ts that the gateway
 * relies on: one shared subscription per station, recent() as the burst
 * buffer (the last `burstMs` of audio), posts(), init(), and 'end' events.
 */
import { EventEmitter } from 'node:events'
import { TornetError } from '../../src/node/errors.js'
import type {
  Broadcast, BroadcastStats, ListenEnd, Listening, RadioCodec, RadioService, SegmentKind, StationInfo, StationKeyPair, VerifiedSegment
} from '../../src/node/services/radio/radio-api.js'

export class MemoryStation {
  readonly info: StationInfo
  readonly events = new EventEmitter()
  private seq = 0
  initBytes: Buffer | undefined
  private readonly audio: VerifiedSegment[] = []
  private readonly postList: VerifiedSegment[] = []
  consumers = 0
  ended: ListenEnd | undefined

  constructor (info: Omit<StationInfo, 'children' | 'nowPlaying' | 'role'> & Partial<StationInfo>, private readonly burstMs: number) {
    this.info = { nowPlaying: undefined, role: 'broadcasting', children: 0, ...info }
    this.events.setMaxListeners(0)
  }

  push (kind: SegmentKind, payload: Buffer, durationMs = 0): VerifiedSegment {
    const s: VerifiedSegment = { station: this.info.id, seq: this.seq++, timestampMs: Date.now(), codec: this.info.codec, kind, durationMs, payload }
    if (kind === 'audio') {
      this.audio.push(s)
      let total = this.audio.reduce((sum, a) => sum + a.durationMs, 0)
      while (total - this.audio[0]!.durationMs >= this.burstMs) total -= this.audio.shift()!.durationMs
    } else if (kind === 'title') {
      this.info.nowPlaying = payload.toString('utf8')
    } else if (kind === 'post') {
      this.postList.push(s)
      if (this.postList.length > 20) this.postList.shift()
    } else {
      this.initBytes = payload
    }
    this.events.emit('segment', s)
    return s
  }

  /** What Listening.recent() answers now. */
  recent (): VerifiedSegment[] { return [...this.audio] }
  posts (): VerifiedSegment[] { return [...this.postList] }

  title (text: string): void { this.push('title', Buffer.from(text, 'utf8')) }
  post (text: string): void { this.push('post', Buffer.from(text, 'utf8')) }

  /** Every current consumer sees 'end'. */
  end (why: ListenEnd): void {
    this.ended = why
    this.events.emit('end', why)
  }

  listening (): Listening {
    this.consumers++
    this.info.children = this.consumers
    return new MemoryListening(this)
  }
}

type Handler = (...args: any[]) => void // the handler type EventEmitter itself takes

/** One consumer's handle: its handlers come off the station when it closes. */
class MemoryListening implements Listening {
  private open = true
  private readonly handlers: Array<[string, Handler]> = []

  constructor (private readonly of: MemoryStation) {}

  get station (): StationInfo { return this.of.info }
  init (): Buffer | undefined { return this.of.initBytes }
  recent (): VerifiedSegment[] { return this.of.recent() }
  posts (): VerifiedSegment[] { return this.of.posts() }

  on (event: 'segment', fn: (s: VerifiedSegment) => void): void
  on (event: 'end', fn: (why: ListenEnd) => void): void
  on (event: string, fn: Handler): void {
    this.handlers.push([event, fn])
    this.of.events.on(event, fn)
  }

  off (event: 'segment', fn: (s: VerifiedSegment) => void): void
  off (event: 'end', fn: (why: ListenEnd) => void): void
  off (event: string, fn: Handler): void {
    this.of.events.off(event, fn)
  }

  close (): void {
    if (!this.open) return
    this.open = false
    this.of.consumers--
    this.of.info.children = this.of.consumers
    for (const [event, fn] of this.handlers) this.of.events.off(event, fn)
  }
}

export class MemoryRadio implements RadioService {
  running = true
  readonly stations = new Map<string, MemoryStation>()
  /** Listen calls so far (a test of the gateway can see it joined once per consumer). */
  listens = 0

  constructor (private readonly burstMs = 4_000) {}

  start (): void { this.running = true }
  async stop (): Promise<void> { this.running = false }

  addStation (label: string, codec: RadioCodec = 'mp3', bitrateKbps = 128, id: Buffer = Buffer.alloc(32, this.stations.size + 1)): MemoryStation {
    const station = new MemoryStation({ id, label, codec, bitrateKbps }, this.burstMs)
    this.stations.set(id.toString('hex'), station)
    return station
  }

  broadcast (key: StationKeyPair, info: { label: string, codec: RadioCodec, bitrateKbps: number }): Broadcast {
    const station = this.addStation(info.label, info.codec, info.bitrateKbps, key.publicKey)
    let bytes = 0
    const started = Date.now()
    return {
      station: station.info,
      pushAudio: (frames, durationMs) => { bytes += frames.length; station.push('audio', frames, durationMs) },
      setInit: init => { station.push('init', init) },
      setNowPlaying: title => { station.title(title) },
      post: text => { station.post(text) },
      stats: (): BroadcastStats => ({ listeners: station.consumers, relays: 0, kbps: bytes * 8 / Math.max(1, Date.now() - started), nowPlaying: station.info.nowPlaying }),
      close: async () => { station.end('stopped'); this.stations.delete(key.publicKey.toString('hex')) }
    }
  }

  async listen (id: Buffer, opts: { signal?: AbortSignal } = {}): Promise<Listening> {
    opts.signal?.throwIfAborted()
    this.listens++
    const station = this.stations.get(id.toString('hex'))
    if (station === undefined || station.ended !== undefined) throw new TornetError('RADIO_NOT_FOUND', `no relay carries ${id.toString('hex')}`)
    return station.listening()
  }

  known (): StationInfo[] {
    return [...this.stations.values()].map(s => s.info)
  }
}
