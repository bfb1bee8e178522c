import { randomBytes } from 'node:crypto'
import type { Duplex } from 'node:stream'
import type { Contact } from '../../routing/contact.js'
import { LinkCommand, type LinkCell } from './cell.js'
import type { Channel } from './channel.js'
import { CircuitEnd } from './circuit-end.js'
import { decodeHandshakeBody, encodeHandshakeBody } from './create-body.js'
import { circuitClosedError } from './end-reasons.js'
import { TunnelError, TunnelErrorCode } from './errors.js'
import { ntorClientFinish, ntorClientStart } from './ntor.js'
import { deriveHopKeys, MAX_HOPS, ONION_PAYLOAD_BYTES, sealForwardInPlace, SLOTS_BYTES, unwrapBackward, type HopLayer } from './onion.js'
import { reasonFrom } from './relay.js'
import {
  decodeExtended, decodeReason, decodeRelayMessage, encodeExtend, encodeReason, encodeRelayMessage, isData, RelayCommand, type RelayMessage
} from './relay-message.js'
import type { TunnelHost } from './tunnel-host.js'
import {
  END_REASON, type Circuit, type CircuitInfo, type CircuitPurpose, type EndReason, type HopKeyMaterial, type RelayCircuitContext
} from './tunnel-api.js'

/** Where an origin peels a backward cell; what it holds is copied or consumed before the next cell. */
const peeled = Buffer.alloc(ONION_PAYLOAD_BYTES)

/**
 * A circuit this node originated: the channel to the entry hop, one layer
 * per hop (plus a virtual hop when joined to a far origin), and one
 * conversation (CircuitEnd) per hop it talks to. Built by telescoping: CREATE
 * to the entry, then EXTEND through the circuit so far, one ntor handshake
 * against each hop's key.
 */
export class OriginCircuit implements Circuit {
  readonly info: CircuitInfo
  private readonly layers: HopLayer[] = []
  /** The real hops, entry first. */
  readonly hops: Contact[] = []
  private channel?: Channel
  private circuitId = 0
  private readonly ends = new Map<number, CircuitEnd>()
  private pending?: { expect: 'created' | 'extended', resolve: (reply: Buffer) => void, reject: (e: Error) => void }
  private listeners: Array<(reason: EndReason) => void> = []
  private closeReason?: EndReason

  constructor (private readonly host: TunnelHost, purpose: CircuitPurpose, isolation: string | undefined, private readonly onClosed: (c: OriginCircuit) => void) {
    this.info = {
      id: randomBytes(8).toString('hex'),
      purpose,
      isolation,
      state: 'building',
      hops: [],
      endToEnd: false,
      createdAt: Date.now(),
      bytesIn: 0,
      bytesOut: 0,
      streams: 0
    }
  }

  get closed (): boolean { return this.closeReason !== undefined }
  /** Hops with keys so far, the virtual hop included. */
  get length (): number { return this.layers.length }

  /** Telescopes through `path` (entry first); on any failure the circuit is closed and the error thrown. */
  async build (path: Contact[], opts: { signal?: AbortSignal, onHop?: (index: number, rank: number) => void } = {}): Promise<void> {
    try {
      for (const hop of path) await this.addHop(hop, opts)
      if (opts.signal?.aborted === true) throw new TunnelError(TunnelErrorCode.TIMEOUT, 'building the circuit was aborted')
      this.info.state = 'open'
    } catch (err) {
      this.close(END_REASON.hopFailed)
      throw err
    }
  }

  /**
   * One more real hop past the last one (Tor's cannibalisation of a pre-built
   * circuit): one EXTEND through the circuit so far. On failure the circuit is
   * closed (its far end may be half-extended) and the error thrown.
   */
  async extend (to: Contact, opts: { signal?: AbortSignal, onHop?: (index: number, rank: number) => void } = {}): Promise<void> {
    this.lastHop()
    if (this.info.endToEnd) throw new TunnelError(TunnelErrorCode.INVALID_ARGUMENT, 'a circuit joined to a far origin cannot be extended')
    if (this.layers.length >= MAX_HOPS) throw new TunnelError(TunnelErrorCode.INVALID_ARGUMENT, `a circuit has at most ${MAX_HOPS} hops`)
    if (to.publicKey?.length !== 32) throw new TunnelError(TunnelErrorCode.INVALID_ARGUMENT, 'extending needs the relay\'s verified public key')
    if (this.hops.some(h => h.id.equals(to.id))) throw new TunnelError(TunnelErrorCode.INVALID_ARGUMENT, 'that relay is already a hop of this circuit: a circuit never uses a relay twice')
    this.info.state = 'building'
    try {
      await this.addHop(to, opts)
      if (opts.signal?.aborted === true) throw new TunnelError(TunnelErrorCode.TIMEOUT, 'extending the circuit was aborted')
      this.info.state = 'open'
    } catch (err) {
      this.close(END_REASON.hopFailed)
      throw err
    }
  }

  /** CREATE (first hop) or EXTEND through the hops so far, and the ntor handshake against `hop`'s key. */
  private async addHop (hop: Contact, opts: { signal?: AbortSignal, onHop?: (index: number, rank: number) => void }): Promise<void> {
    const onAbort = (): void => { this.failPending(new TunnelError(TunnelErrorCode.TIMEOUT, 'building the circuit was aborted')) }
    opts.signal?.addEventListener('abort', onAbort, { once: true })
    try {
      const i = this.layers.length
      if (opts.signal?.aborted === true) throw new TunnelError(TunnelErrorCode.TIMEOUT, 'building the circuit was aborted')
      if (this.closed) throw circuitClosedError(this.closeReason!)
      const { state, message } = ntorClientStart({ id: hop.id, publicKey: hop.publicKey! })
      let reply: Buffer
      if (i === 0) {
        const channel = await this.host.channelTo(hop, opts.signal)
        if (this.closed) throw circuitClosedError(this.closeReason!)
        this.channel = channel
        this.circuitId = channel.allocate({ onCell: (c) => { this.onCell(c) }, onChannelClosed: () => { this.close(END_REASON.hopFailed, false) } })
        reply = await this.await('created', () => {
          channel.send({ circuitId: this.circuitId, command: LinkCommand.create, body: encodeHandshakeBody(message) })
        })
      } else {
        const data = encodeExtend({ id: hop.id, publicKey: hop.publicKey!, endpoint: hop.endpoint, handshake: message })
        reply = await this.await('extended', () => { this.sendTo(i - 1, { command: RelayCommand.extend, streamId: 0, data }) })
      }
      const material = ntorClientFinish(state, reply)
      if (material === undefined) {
        throw new TunnelError(TunnelErrorCode.HANDSHAKE_FAILED, `hop ${i + 1}'s handshake answer did not authenticate: someone in between, or a wrong key; build through other relays`)
      }
      this.layers.push(deriveHopKeys(material))
      this.hops.push(hop)
      this.info.hops.push({ rank: hop.rank })
      opts.onHop?.(i, hop.rank)
    } finally {
      opts.signal?.removeEventListener('abort', onAbort)
    }
  }

  private async await (expect: 'created' | 'extended', send: () => void): Promise<Buffer> {
    let timer: NodeJS.Timeout | undefined
    try {
      return await new Promise<Buffer>((resolve, reject) => {
        this.pending = { expect, resolve, reject }
        timer = setTimeout(() => {
          this.failPending(new TunnelError(TunnelErrorCode.EXTEND_FAILED, `hop ${this.layers.length + 1} did not answer in ${this.host.extendTimeoutMs} ms: build through other relays`))
        }, this.host.extendTimeoutMs)
        send()
      })
    } finally {
      clearTimeout(timer)
      this.pending = undefined
    }
  }

  private failPending (err: Error): void {
    const p = this.pending
    this.pending = undefined
    p?.reject(err)
  }

  private onCell (cell: LinkCell): void {
    if (this.closed) return
    switch (cell.command) {
      case LinkCommand.created: {
        const p = this.pending
        if (p?.expect !== 'created') { this.host.drop('unexpected-created'); return }
        this.pending = undefined
        try { p.resolve(decodeHandshakeBody(cell.body)) } catch (err) { p.reject(err as Error) }
        return
      }
      case LinkCommand.destroy:
        this.failPending(new TunnelError(TunnelErrorCode.EXTEND_FAILED, 'the entry hop refused the circuit'))
        this.close(reasonFrom(cell.body), false)
        return
      case LinkCommand.relay: {
        const got = unwrapBackward(this.layers, cell.body, peeled)
        if (got === undefined) {
          this.host.drop('bad-auth')
          this.close(END_REASON.protocol)
          return
        }
        if (got.from > 0) this.host.carried?.(this.entryHex())
        let msg: RelayMessage
        // Peeled into the shared scratch: DATA is a view of it (the stream it goes to copies it
        // before fromHop returns), anything else gets a copy of its own.
        try { msg = decodeRelayMessage(got.payload, isData(got.payload)) } catch { this.host.drop('malformed'); return }
        this.fromHop(got.from, msg)
        return
      }
      default:
        this.host.drop('unexpected-cell')
    }
  }

  private fromHop (hop: number, msg: RelayMessage): void {
    if (msg.command === RelayCommand.extended) {
      const p = this.pending
      if (p?.expect !== 'extended' || hop !== this.layers.length - 1) { this.host.drop('unexpected-extended'); return }
      this.pending = undefined
      try { p.resolve(decodeExtended(msg.data)) } catch (err) { p.reject(err as Error) }
      return
    }
    if (msg.command === RelayCommand.truncated) {
      let reason: EndReason = END_REASON.hopFailed
      try { reason = decodeReason(msg.data) } catch {}
      if (this.pending !== undefined) {
        this.failPending(new TunnelError(TunnelErrorCode.EXTEND_FAILED, `hop ${hop + 1} could not extend to hop ${hop + 2}: build through other relays`))
        return
      }
      // The circuit beyond `hop` is gone: what was sent past it is lost.
      this.close(reason === END_REASON.done ? END_REASON.hopFailed : reason)
      return
    }
    if (msg.command === RelayCommand.data) this.info.bytesIn += msg.data.length
    this.endFor(hop).receive(msg)
  }

  private entryHexMemo?: string
  private entryHex (): string {
    this.entryHexMemo ??= this.hops[0].id.toString('hex')
    return this.entryHexMemo
  }

  private sendTo (hop: number, msg: RelayMessage): void {
    if (this.closed || this.channel === undefined) return
    if (msg.command === RelayCommand.data) this.info.bytesOut += msg.data.length
    // Encoded and sealed in place, in the cell slot that goes out (taken back if either throws).
    this.channel.sendWith(this.circuitId, LinkCommand.relay, (out) => {
      encodeRelayMessage(msg, out.subarray(SLOTS_BYTES))
      sealForwardInPlace(this.layers, hop, out)
    })
    // A cell for a hop past the entry: the entry carries it (and charges for it, relay.ts).
    if (hop > 0) this.host.carried?.(this.entryHex())
  }

  private endFor (hop: number): CircuitEnd {
    let end = this.ends.get(hop)
    if (end === undefined) {
      end = new CircuitEnd({
        send: (m) => { this.sendTo(hop, m) },
        writable: async () => { await this.channel?.drained() },
        writableNow: () => this.channel?.writable === true,
        fail: (reason) => { this.close(reason) }
      }, {
        streamHandler: (s) => this.host.streamHandler(s),
        requestHandler: (n) => this.host.requestHandler(n),
        context: () => this.context(hop),
        onNotify: (name, payload) => { for (const h of this.host.notifyHandlers()) { try { h(this, name, payload) } catch {} } },
        onDrop: (r) => { this.host.drop(r) }
      }, this.layers[hop]?.role !== 'far')
      this.ends.set(hop, end)
    }
    return end
  }

  /** How handlers at this end (the far origin of a joined circuit) see the circuit. */
  private context (hop: number): RelayCircuitContext {
    const self = this
    return {
      id: this.info.id,
      previous: this.hops[this.hops.length - 1],
      join: () => { throw new TunnelError(TunnelErrorCode.INVALID_ARGUMENT, 'join is for relays; this node originated the circuit') },
      notify: (name, payload) => { self.endFor(hop).notify(name, payload) },
      get closed () { return self.closed },
      onClose: (l) => { self.onClose(() => { l() }) }
    }
  }

  private lastHop (): number {
    if (this.info.state !== 'open' || this.closed) throw circuitClosedError(this.closeReason ?? END_REASON.done)
    return this.layers.length - 1
  }

  async openStream (service: string, opts: { signal?: AbortSignal, optimistic?: boolean } = {}): Promise<Duplex> {
    const end = this.endFor(this.lastHop())
    const stream = await end.openStream(service, opts.signal, opts.optimistic === true)
    this.info.streams++
    stream.once('close', () => { this.info.streams-- })
    return stream
  }

  adoptStream (id: number, service: string): Duplex {
    if (!this.info.endToEnd) throw new TunnelError(TunnelErrorCode.INVALID_ARGUMENT, 'only a stream past a virtual hop is opened by agreement')
    const stream = this.endFor(this.lastHop()).adoptStream(id, service)
    this.info.streams++
    stream.once('close', () => { this.info.streams-- })
    return stream
  }

  async request (name: string, payload: Buffer, opts: { hop?: number, signal?: AbortSignal, timeoutMs?: number } = {}): Promise<Buffer> {
    const last = this.lastHop()
    const hop = opts.hop ?? last
    if (!Number.isInteger(hop) || hop < 0 || hop > last) throw new TunnelError(TunnelErrorCode.INVALID_ARGUMENT, `hop ${hop} is not on this ${last + 1}-hop circuit`)
    return await this.endFor(hop).request(name, payload, opts)
  }

  addVirtualHop (keys: HopKeyMaterial): void {
    this.lastHop()
    if (this.info.endToEnd) throw new TunnelError(TunnelErrorCode.INVALID_ARGUMENT, 'this circuit already has a virtual hop')
    this.layers.push(deriveHopKeys(keys))
    this.info.endToEnd = true
  }

  /** Sends TRUNCATE to hop `hop`: it drops everything past it (kept for the relay protocol's completeness). */
  truncateAfter (hop: number): void { this.sendTo(hop, { command: RelayCommand.truncate, streamId: 0, data: Buffer.alloc(0) }) }

  close (reason: EndReason = END_REASON.done, tellPath = true): void {
    if (this.closed) return
    this.closeReason = reason
    this.info.state = 'closed'
    this.failPending(circuitClosedError(reason))
    if (this.channel !== undefined) {
      if (tellPath) this.channel.send({ circuitId: this.circuitId, command: LinkCommand.destroy, body: encodeReason(reason) })
      this.channel.detach(this.circuitId)
    }
    for (const e of this.ends.values()) e.close(reason)
    const listeners = this.listeners
    this.listeners = []
    for (const l of listeners) { try { l(reason) } catch {} }
    this.onClosed(this)
  }

  onClose (listener: (reason: EndReason) => void): void {
    if (this.closeReason !== undefined) { listener(this.closeReason); return }
    this.listeners.push(listener)
  }

  get reason (): EndReason | undefined { return this.closeReason }
}
