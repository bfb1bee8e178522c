import { type ChannelFrame, FrameType, STREAM_DATA_OVERHEAD, type StreamResetFrame, writeStreamDataHeader } from '../wire/channel-frames.js'
import { LinkError, LinkErrorCode } from './errors.js'
import type { LinkStream, StreamFactory } from './types.js'

/**
 * Stream channels of one session. The opener sends STREAM_OPEN(channel,
 * service) and repeats it until the other side answers STREAM_ACCEPT (or
 * STREAM_RESET with a reason, e.g. an unknown service); only then does it build
 * its stream endpoint, so no stream frame can arrive before the channel
 * exists on the far side. Stream frames (the ReliableStream's own protocol,
 * which does its own retransmission and ordering) travel in STREAM_DATA.
 * Channel ids carry the opener's role in bit 0, so both sides allocate freely.
 * A stream that closed lingers for `lingerMs` (frames still reach it, so it
 * can answer a peer whose last ACK was lost) before its id is forgotten.
 */
export interface StreamMuxHost {
  send: (frames: ChannelFrame[], kind: string) => void
  /**
   * Sends encoded channel frames, given in pieces, as one datagram (see
   * Session.sendEncoded). The pieces are copied or sent before it returns.
   */
  sendEncoded: (pieces: readonly Buffer[], kind: string) => void
  initiator: boolean
  /** Room for one stream frame in a datagram, for streams opened now. */
  streamMtu: () => number
  factory: StreamFactory
  /** The service's stream handler, or undefined when it has none. */
  acceptor: (service: string) => ((stream: LinkStream) => void) | undefined
  now: () => number
}

export interface StreamMuxLimits { maxChannels: number, openRetryMs: number, openTimeoutMs: number, lingerMs: number }

interface Channel {
  service: string
  stream?: LinkStream
  opening?: { resolve: (s: LinkStream) => void, reject: (e: Error) => void, timer?: NodeJS.Timeout }
}

const RECENTLY_CLOSED = 256
const MAX_LINGERING = 1024

export class StreamMux {
  private nextLocal = 0
  private readonly channels = new Map<number, Channel>()
  private readonly closed = new Set<number>()
  private readonly lingering = new Map<number, { ch: Channel, until: number }>()
  private closedError?: Error
  /** STREAM_DATA headers are written here: sendEncoded is done with its pieces when it returns. */
  private readonly dataHeader = Buffer.alloc(STREAM_DATA_OVERHEAD)

  constructor (private readonly host: StreamMuxHost, private readonly limits: StreamMuxLimits) {}

  get open (): number { return this.channels.size }

  serviceOf (channel: number): string | undefined { return (this.channels.get(channel) ?? this.lingering.get(channel)?.ch)?.service }

  openStream (service: string, signal?: AbortSignal): Promise<LinkStream> {
    if (this.closedError !== undefined) return Promise.reject(this.closedError)
    if (this.channels.size >= this.limits.maxChannels) {
      return Promise.reject(new LinkError(LinkErrorCode.TOO_MANY_REQUESTS, `${this.channels.size} streams already open to this peer`))
    }
    const channel = ((this.nextLocal++ * 2) + (this.host.initiator ? 0 : 1)) >>> 0
    return new Promise((resolve, reject) => {
      const ch: Channel = { service }
      const deadline = this.host.now() + this.limits.openTimeoutMs
      const tick = (): void => {
        if (ch.opening === undefined) return
        if (this.host.now() >= deadline) {
          this.fail(channel, new LinkError(LinkErrorCode.TIMEOUT, `stream to service "${service}" was not accepted in ${this.limits.openTimeoutMs} ms`))
          return
        }
        this.host.send([{ type: FrameType.STREAM_OPEN, channel, service }], service)
        ch.opening.timer = setTimeout(tick, this.limits.openRetryMs)
      }
      ch.opening = { resolve, reject }
      this.channels.set(channel, ch)
      if (signal !== undefined) {
        const onAbort = (): void => { if (ch.opening !== undefined) this.fail(channel, new LinkError(LinkErrorCode.ABORTED, 'stream open aborted'), true) }
        signal.addEventListener('abort', onAbort, { once: true })
      }
      tick()
    })
  }

  onFrame (f: ChannelFrame): void {
    switch (f.type) {
      case FrameType.STREAM_OPEN: return this.onOpen(f.channel, f.service)
      case FrameType.STREAM_ACCEPT: { const ch = this.channels.get(f.channel); if (ch !== undefined) this.accepted(f.channel, ch); return }
      case FrameType.STREAM_DATA: {
        const ch = this.channels.get(f.channel) ?? this.lingering.get(f.channel)?.ch
        if (ch === undefined) return
        if (ch.opening !== undefined) this.accepted(f.channel, ch)
        ch.stream?.receiveFrame(ownable(f.data))
        return
      }
      case FrameType.STREAM_RESET: return this.onReset(f)
    }
  }

  private onOpen (channel: number, service: string): void {
    const mine = (channel & 1) === (this.host.initiator ? 0 : 1)
    if (mine) return // a peer cannot open in our half of the id space
    const existing = this.channels.get(channel)
    if (existing !== undefined || this.closed.has(channel) || this.lingering.has(channel)) {
      if (existing !== undefined) this.host.send([{ type: FrameType.STREAM_ACCEPT, channel }], service)
      return
    }
    const acceptor = this.host.acceptor(service)
    if (acceptor === undefined) {
      this.host.send([{ type: FrameType.STREAM_RESET, channel, code: LinkErrorCode.UNKNOWN_SERVICE, text: `no stream service "${service}" on this node` }], service)
      return
    }
    if (this.channels.size >= this.limits.maxChannels) {
      this.host.send([{ type: FrameType.STREAM_RESET, channel, code: LinkErrorCode.BUSY, text: 'too many open streams' }], service)
      return
    }
    const ch: Channel = { service }
    this.channels.set(channel, ch)
    ch.stream = this.build(channel, ch, false)
    this.host.send([{ type: FrameType.STREAM_ACCEPT, channel }], service)
    try {
      acceptor(ch.stream)
    } catch (err) {
      ch.stream.destroy(err instanceof Error ? err : new Error(String(err)))
    }
  }

  private accepted (channel: number, ch: Channel): void {
    const o = ch.opening
    if (o === undefined) return
    ch.opening = undefined
    clearTimeout(o.timer)
    ch.stream = this.build(channel, ch, true)
    // The peer's reset may share the accept's datagram and destroy the stream before the opener
    // can listen: its 'error' would then have no listener and end the process.
    ch.stream.on('error', () => {})
    o.resolve(ch.stream)
  }

  private build (channel: number, ch: Channel, initiator: boolean): LinkStream {
    const routed = (): boolean => this.channels.get(channel) === ch || this.lingering.get(channel)?.ch === ch
    const stream = this.host.factory({
      send: (frame) => {
        if (routed()) this.host.send([{ type: FrameType.STREAM_DATA, channel, data: frame }], ch.service)
      },
      // A DATA frame: our frame header, the stream's header and the payload, as they are (one copy, into the datagram).
      sendData: (head, payload) => {
        if (routed()) this.host.sendEncoded([writeStreamDataHeader(this.dataHeader, channel, head.length + payload.length), head, payload], ch.service)
      },
      mtu: this.host.streamMtu(),
      initiator,
      // The stream tells its peer itself (FIN or RST in its own frames); we only keep routing for a while.
      onClose: () => {
        if (this.channels.get(channel) !== ch) return
        this.channels.delete(channel)
        this.lingering.set(channel, { ch, until: this.host.now() + this.limits.lingerMs })
        if (this.lingering.size > MAX_LINGERING) this.forgetLingering(this.lingering.keys().next().value as number)
      }
    })
    return stream
  }

  private onReset (f: StreamResetFrame): void {
    const ch = this.channels.get(f.channel)
    if (ch === undefined) return
    const err = new LinkError(f.code, f.text === '' ? f.code : f.text)
    if (ch.opening !== undefined) { this.fail(f.channel, err); return }
    this.forget(f.channel)
    ch.stream?.destroy(err)
  }

  private fail (channel: number, err: Error, notifyPeer = false): void {
    const ch = this.channels.get(channel)
    if (ch?.opening === undefined) return
    clearTimeout(ch.opening.timer)
    const { reject } = ch.opening
    ch.opening = undefined
    this.forget(channel)
    if (notifyPeer) this.host.send([{ type: FrameType.STREAM_RESET, channel, code: LinkErrorCode.ABORTED, text: 'opener gave up' }], ch.service)
    reject(err)
  }

  /** Drops lingering channels whose time is up. */
  sweep (now: number): void {
    for (const [id, l] of this.lingering) {
      if (l.until > now) break // insertion order = expiry order
      this.forgetLingering(id)
    }
  }

  private forgetLingering (channel: number): void {
    this.lingering.delete(channel)
    this.closed.add(channel)
    if (this.closed.size > RECENTLY_CLOSED) this.closed.delete(this.closed.values().next().value as number)
  }

  private forget (channel: number): void {
    this.channels.delete(channel)
    this.closed.add(channel)
    if (this.closed.size > RECENTLY_CLOSED) this.closed.delete(this.closed.values().next().value as number)
  }

  closeAll (err: Error): void {
    this.closedError = err
    this.lingering.clear()
    for (const [id, ch] of [...this.channels]) {
      if (ch.opening !== undefined) { this.fail(id, err); continue }
      this.forget(id)
      ch.stream?.destroy(err)
    }
  }
}

/**
 * A stream may keep what it is handed (held out of order, then pushed to the
 * reader). Stream frames arrive as views into the decrypted datagram, which
 * nothing else holds or reuses, so a view is kept as it is, saving a copy of
 * every payload; but a small frame in a large datagram (one with PADDING, or a
 * slice of a shared pool slab) is copied, so that what the stream accounts
 * for (payload bytes) is at least half of the memory it keeps alive.
 */
function ownable (data: Buffer): Buffer {
  return data.length * 2 >= data.buffer.byteLength ? data : Buffer.from(new Uint8Array(data).buffer)
}
