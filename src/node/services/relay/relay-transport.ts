import { nodeIdOf } from '../../identity/identity.js'
import type { Link } from '../../link/link.js'
import type { LinkStream, PeerAddress } from '../../link/types.js'
import type { Transport } from '../../transport/transport.js'
import { type Endpoint, endpointKey } from '../../types.js'
import { streamBacklog } from './stream-backlog.js'
import { encodeRelayFrame, MAX_RELAYED_PACKET, RELAY_HEADER_BYTES, RELAY_ID_BYTES, RELAY_SERVICE, RelayFrameReader } from '../../wire/relay-frames.js'

/** The port every relayed endpoint has (the address names the node). */
export const RELAYED_PORT = 1

/**
 * The endpoint under which a node reached through a relay appears to a link running on a
 * RelayTransport: an address in fd00::/8 (unique local, never routed) made from its id, so the
 * link's tables keep one session per node as they do per UDP endpoint.
 */
export function relayedEndpoint (id: Buffer): Endpoint {
  const h = Buffer.concat([Buffer.from([0xfd]), id.subarray(0, 15)])
  const groups: string[] = []
  for (let i = 0; i < 16; i += 2) groups.push(h.readUInt16BE(i).toString(16))
  return { address: groups.join(':'), port: RELAYED_PORT }
}

export interface RelayTransportOptions {
  /** Far nodes remembered with the relay that reaches them (default 1024; the oldest forgotten first). */
  maxPeers?: number
  /** Unacknowledged bytes on a relay stream past which packets are dropped, not queued (default 256 KiB). */
  maxQueuedBytes?: number
  /**
   * How often each relay stream in use gets a keepalive, and idle ones not kept are closed
   * (default 10 s; 0 = never). A stream ends after 30 s without a frame, so this keeps a
   * reservation open while no one is being relayed.
   */
  keepMs?: number
  /** A relay stream no route used for this long is closed, unless kept (default 60 s). */
  idleMs?: number
  now?: () => number
}

interface Relay {
  address: PeerAddress
  stream?: LinkStream
  opening?: Promise<LinkStream>
  /** Kept open (a reservation: peers reach this node through it), whether used or not. */
  kept: boolean
  lastUsed: number
  lastReopen: number
}

interface Route { id: Buffer, via: string, lastUsed: number }

/**
 * A datagram transport whose packets travel through relays (relay-server.ts), each on a stream of
 * `link`'s session to it. A second Link on this transport runs the ordinary handshake end to end
 * with the far node, so a relay carries only that session's ciphertext.
 *
 * Each far node is reached through one relay (its route): the one named when it was added, or the
 * one its latest packet came through. A relay stream that broke is reopened when a packet needs
 * it (at most once per 2 s), so a relayed session outlives the loss of a stream.
 */
export class RelayTransport implements Transport {
  readonly local: Endpoint
  readonly stats = { sent: 0, received: 0, unknownPeer: 0, tooLarge: 0, congested: 0, noStream: 0, streamsOpened: 0 }
  private handler?: (data: Buffer, from: Endpoint) => void
  private readonly relays = new Map<string, Relay>()
  private readonly routes = new Map<string, Route>()
  private readonly maxPeers: number
  private readonly maxQueued: number
  private readonly idleMs: number
  private readonly now: () => number
  private readonly timer?: NodeJS.Timeout
  private closed = false

  constructor (private readonly link: Link, o: RelayTransportOptions = {}) {
    this.local = relayedEndpoint(link.identity.id)
    this.maxPeers = o.maxPeers ?? 1024
    this.maxQueued = o.maxQueuedBytes ?? 256 * 1024
    this.idleMs = o.idleMs ?? 60_000
    this.now = o.now ?? Date.now
    const keepMs = o.keepMs ?? 10_000
    if (keepMs > 0) {
      this.timer = setInterval(() => this.keep(), keepMs)
      this.timer.unref()
    }
  }

  /** A transport with one relay stream open (to `relay`). */
  static async open (link: Link, relay: PeerAddress, o: RelayTransportOptions = {}): Promise<RelayTransport> {
    const t = new RelayTransport(link, o)
    await t.attach(relay)
    return t
  }

  /** Opens (or reuses) the stream to `relay`; resolves with the relay's key for addPeer. */
  async attach (relay: PeerAddress, opts: { keep?: boolean } = {}): Promise<string> {
    const key = relayKey(relay)
    let r = this.relays.get(key)
    if (r === undefined) {
      r = { address: relay, kept: false, lastUsed: this.now(), lastReopen: -Infinity }
      this.relays.set(key, r)
    }
    if (opts.keep === true) r.kept = true
    r.lastUsed = this.now()
    await this.streamOf(key, r)
    return key
  }

  /** Stops keeping `relay` open for its own sake (it closes once no route uses it). */
  unkeep (relayKeyOrAddress: string | PeerAddress): void {
    const r = this.relays.get(typeof relayKeyOrAddress === 'string' ? relayKeyOrAddress : relayKey(relayKeyOrAddress))
    if (r !== undefined) r.kept = false
  }

  /** The relays with an open stream, kept ones first. */
  openRelays (): Array<{ key: string, address: PeerAddress, kept: boolean }> {
    const out = [...this.relays].filter(([, r]) => r.stream !== undefined).map(([key, r]) => ({ key, address: r.address, kept: r.kept }))
    return out.sort((a, b) => Number(b.kept) - Number(a.kept))
  }

  /** Makes `id` addressable through the relay `via` (a key from attach; default: the first open one); its relayed endpoint. */
  addPeer (id: Buffer, via?: string): Endpoint {
    const e = relayedEndpoint(id)
    const relay = via ?? this.openRelays()[0]?.key
    if (relay !== undefined) this.route(e, Buffer.from(id), relay)
    return e
  }

  /** The relay a far node is reached through, if any. */
  routeOf (id: Buffer): string | undefined { return this.routes.get(endpointKey(relayedEndpoint(id)))?.via }

  send (data: Uint8Array | readonly Uint8Array[], to: Endpoint): void {
    if (this.closed) return
    const route = this.routes.get(endpointKey(to))
    if (route === undefined) { this.stats.unknownPeer++; return }
    const r = this.relays.get(route.via)
    const stream = r?.stream
    if (r === undefined || stream === undefined) {
      this.stats.noStream++
      // The relayed link retransmits; by then the stream may be back.
      if (r !== undefined) this.reopen(route.via, r)
      return
    }
    if (streamBacklog(stream) > this.maxQueued) { this.stats.congested++; return }
    const frame = encodeParts(route.id, data)
    if (frame === undefined) { this.stats.tooLarge++; return }
    const t = this.now()
    route.lastUsed = t
    r.lastUsed = t
    this.stats.sent++
    stream.write(frame)
  }

  onDatagram (handler: (data: Buffer, from: Endpoint) => void): void { this.handler = handler }

  async close (): Promise<void> {
    this.closed = true
    if (this.timer !== undefined) clearInterval(this.timer)
    for (const r of this.relays.values()) r.stream?.end()
    this.relays.clear()
    this.routes.clear()
  }

  private route (e: Endpoint, id: Buffer, via: string): void {
    const k = endpointKey(e)
    this.routes.delete(k)
    this.routes.set(k, { id, via, lastUsed: this.now() })
    while (this.routes.size > this.maxPeers) this.routes.delete(this.routes.keys().next().value as string)
  }

  private async streamOf (key: string, r: Relay): Promise<LinkStream> {
    if (r.stream !== undefined) return r.stream
    if (r.opening === undefined) {
      r.opening = this.openStream(key, r).finally(() => { r.opening = undefined })
    }
    return await r.opening
  }

  private async openStream (key: string, r: Relay): Promise<LinkStream> {
    if (this.closed) throw new Error('the relay transport is closed')
    const stream = await this.link.openStream(r.address, RELAY_SERVICE)
    // The relay may refuse (too many clients) by resetting the stream as it accepts it.
    if (stream.destroyed) throw new Error('the relay refused the stream')
    this.stats.streamsOpened++
    // A stream reaches the relay with its first bytes: a one-byte frame to ourselves says hello
    // (the relay takes it as registration and forwards nothing).
    stream.write(this.hello())
    const reader = new RelayFrameReader()
    stream.on('data', (chunk: Buffer) => {
      let frames
      try { frames = reader.push(chunk) } catch { stream.destroy(); return }
      for (const f of frames) {
        this.stats.received++
        const from = relayedEndpoint(f.id)
        // Answers go back the way the far node's packets came.
        const known = this.routes.get(endpointKey(from))
        if (known?.via !== key) this.route(from, f.id, key)
        else known.lastUsed = this.now()
        r.lastUsed = this.now()
        try { this.handler?.(f.packet, from) } catch { /* a handler must not throw */ }
      }
    })
    const gone = (): void => { if (r.stream === stream) r.stream = undefined }
    stream.on('error', gone)
    stream.on('close', gone)
    if (this.closed || this.relays.get(key) !== r) { stream.end(); throw new Error('the relay transport is closed') }
    r.stream = stream
    return stream
  }

  private reopen (key: string, r: Relay): void {
    const t = this.now()
    if (this.closed || r.opening !== undefined || t - r.lastReopen < REOPEN_MS) return
    r.lastReopen = t
    this.streamOf(key, r).catch(() => { /* tried again on a later packet or keepalive */ })
  }

  private hello (): Buffer { return encodeRelayFrame({ id: this.link.identity.id, packet: HELLO }) }

  /** Keepalives on streams kept or in use; idle streams not kept are closed and forgotten. */
  private keep (): void {
    const t = this.now()
    for (const [key, r] of this.relays) {
      if (!r.kept && t - r.lastUsed > this.idleMs) {
        r.stream?.end()
        this.relays.delete(key)
        continue
      }
      if (r.stream !== undefined) r.stream.write(this.hello())
      else this.reopen(key, r)
    }
  }
}

const HELLO = Buffer.from([0])
const REOPEN_MS = 2000

/** A relay's key: its node id in hex (from the id or the key), else its endpoint. */
export function relayKey (relay: PeerAddress): string {
  const id = relay.id ?? (relay.publicKey === undefined ? undefined : nodeIdOf(relay.publicKey))
  return id === undefined ? endpointKey(relay.endpoint) : id.toString('hex')
}

/** One relay frame holding the datagram given whole or in pieces; undefined when it cannot be relayed. */
function encodeParts (id: Buffer, data: Uint8Array | readonly Uint8Array[]): Buffer | undefined {
  const parts = data instanceof Uint8Array ? [data] : data
  let n = 0
  for (const p of parts) n += p.length
  if (n === 0 || n > MAX_RELAYED_PACKET) return undefined
  const out = Buffer.allocUnsafe(RELAY_HEADER_BYTES + n)
  id.copy(out, 0, 0, RELAY_ID_BYTES)
  out.writeUInt16LE(n, RELAY_ID_BYTES)
  let at = RELAY_HEADER_BYTES
  for (const p of parts) { out.set(p, at); at += p.length }
  return out
}
