import { randomBytes } from 'node:crypto'
import { nodeIdOf } from '../../identity/identity.js'
import { makeContact, type Contact } from '../../routing/contact.js'
import { LinkCommand, type LinkCell } from './cell.js'
import { MAX_CHANNEL_BACKLOG, type Channel } from './channel.js'
import { CircuitEnd } from './circuit-end.js'
import { decodeHandshakeBody, encodeHandshakeBody } from './create-body.js'
import { TunnelError, TunnelErrorCode } from './errors.js'
import { fillBytes } from './fill-bytes.js'
import { ONION_BYTES, relayBackward, relayForward, sealOriginInPlace, SLOTS_BYTES, type HopLayer } from './onion.js'
import { decodeExtend, decodeRelayMessage, encodeExtended, encodeReason, encodeRelayMessage, isData, RelayCommand, type RelayMessage } from './relay-message.js'
import type { TunnelHost } from './tunnel-host.js'
import { END_REASON, type EndReason, type RelayCircuitContext, type RelayCircuitView } from './tunnel-api.js'

/**
 * Where a relay peels a forward cell: what it holds is copied into the next
 * channel's cell slot, or decoded (with a copy) as a message for this hop,
 * before anything else runs, so one buffer serves every circuit.
 */
const peeled = Buffer.alloc(ONION_BYTES)

/**
 * A circuit as a relay holds it: the channel and circuit id it came from,
 * this hop's layer, and — once extended — the channel and id it goes on to
 * (or, at a rendezvous, the circuit it is joined to). Nothing about the
 * origin or the target beyond those neighbours is ever known here.
 *
 * Forward cells are peeled once: "forward" goes on to the next hop (or, when
 * joined, into the other circuit as a backward cell of it); "deliver" is a
 * relay message for this hop (EXTEND, TRUNCATE, or the conversation: BEGIN,
 * DATA, REQUEST …). Backward cells get this hop's layer added.
 */
export class RelayCircuit implements RelayCircuitContext {
  readonly id = randomBytes(8).toString('hex')
  private next?: { channel: Channel, circuitId: number }
  private joinedWith?: RelayCircuit
  private end?: CircuitEnd
  private extending = false
  private pendingCreated?: { resolve: (reply: Buffer) => void, reject: (e: Error) => void }
  private listeners: Array<() => void> = []
  private closedFlag = false
  cells = 0

  constructor (
    private readonly host: TunnelHost,
    private readonly prevChannel: Channel,
    private readonly prevId: number,
    readonly layer: HopLayer,
    private readonly onClosed: (r: RelayCircuit) => void
  ) {
    prevChannel.attach(prevId, {
      onCell: (c) => { this.fromPrev(c) },
      onChannelClosed: () => { this.destroy(END_REASON.hopFailed, 'prev') }
    })
  }

  get previous (): Contact { return this.prevChannel.peer }
  get closed (): boolean { return this.closedFlag }

  view (): RelayCircuitView {
    return {
      previous: this.prevChannel.peerHex,
      next: this.next?.channel.peerHex,
      joined: this.joinedWith !== undefined,
      cells: this.cells
    }
  }

  private fromPrev (cell: LinkCell): void {
    if (this.closedFlag) return
    this.cells++
    if (cell.command === LinkCommand.destroy) { this.destroy(reasonFrom(cell.body), 'prev'); return }
    if (cell.command !== LinkCommand.relay) { this.host.drop('unexpected-cell'); return }
    const r = relayForward(this.layer, cell.body, fillBytes, peeled)
    if (r === undefined) {
      // Tagged, replayed or reordered: the circuit cannot be trusted any more.
      this.host.drop('bad-auth')
      this.destroy(END_REASON.protocol, 'local')
      return
    }
    if (r.kind === 'forward') {
      if (this.next !== undefined) {
        if (this.next.channel.backlog > MAX_CHANNEL_BACKLOG) { this.overflow(); return }
        const onion = r.onion
        this.next.channel.sendWith(this.next.circuitId, LinkCommand.relay, (out) => { onion.copy(out) })
        this.host.forwarded(this.prevChannel.peerHex, this.next.channel.peerHex)
      } else if (this.joinedWith !== undefined) {
        const joined = this.joinedWith
        if (joined.closedFlag) return
        const onion = r.onion
        joined.prevChannel.sendWith(joined.prevId, LinkCommand.relay, (out) => { relayBackward(joined.layer, onion, out) })
        this.host.forwarded(this.prevChannel.peerHex)
      } else {
        this.host.drop('no-next-hop')
        this.destroy(END_REASON.protocol, 'local')
      }
      return
    }
    let msg: RelayMessage
    // `peeled` is reused for the next cell: DATA may be a view (its stream copies it at once), the rest is copied.
    try { msg = decodeRelayMessage(r.payload, isData(r.payload)) } catch { this.host.drop('malformed'); return }
    this.deliver(msg)
  }

  private fromNext (cell: LinkCell): void {
    if (this.closedFlag) return
    this.cells++
    switch (cell.command) {
      case LinkCommand.relay:
        if (this.prevChannel.backlog > MAX_CHANNEL_BACKLOG) { this.overflow(); return }
        // Sealed from the received cell straight into the outgoing batch: no copy in between.
        this.prevChannel.sendWith(this.prevId, LinkCommand.relay, (out) => { relayBackward(this.layer, cell.body, out) })
        this.host.forwarded(this.prevChannel.peerHex, this.next?.channel.peerHex)
        return
      case LinkCommand.created: {
        const p = this.pendingCreated
        if (p === undefined) { this.host.drop('unexpected-created'); return }
        this.pendingCreated = undefined
        try { p.resolve(decodeHandshakeBody(cell.body)) } catch (err) { p.reject(err as Error) }
        return
      }
      case LinkCommand.destroy: {
        const reason = reasonFrom(cell.body)
        const p = this.pendingCreated
        if (p !== undefined) { this.pendingCreated = undefined; p.reject(new TunnelError(TunnelErrorCode.EXTEND_FAILED, 'the next hop refused CREATE')); return }
        this.destroy(reason, 'next')
        return
      }
      default:
        this.host.drop('unexpected-cell')
    }
  }

  /** The channel a cell should go into is full: this circuit is sending past any window. */
  private overflow (): void {
    this.host.drop('backlog')
    this.destroy(END_REASON.limit, 'local')
  }

  /** A cell toward the origin that already carries its layers from downstream (or from a joined circuit). */
  sendBackward (onion: Buffer): void {
    if (this.closedFlag) return
    this.prevChannel.send({ circuitId: this.prevId, command: LinkCommand.relay, body: onion })
  }

  /** A relay message this hop itself sends toward the origin. */
  private originate (msg: RelayMessage): void {
    if (this.closedFlag) return
    // Counted like the cells passing through: at an exit these are what the circuit carries.
    this.cells++
    // Encoded and sealed in place, in the cell slot that goes out.
    this.prevChannel.sendWith(this.prevId, LinkCommand.relay, (out) => {
      encodeRelayMessage(msg, out.subarray(SLOTS_BYTES))
      sealOriginInPlace(this.layer, out)
    })
  }

  private deliver (msg: RelayMessage): void {
    switch (msg.command) {
      case RelayCommand.extend: this.extend(msg.data).catch(() => {}); return
      case RelayCommand.truncate: this.truncate(); return
      case RelayCommand.extended: case RelayCommand.truncated: this.host.drop('unexpected-command'); return
      default: this.conversation().receive(msg)
    }
  }

  private conversation (): CircuitEnd {
    this.end ??= new CircuitEnd({
      send: (m) => { this.originate(m) },
      writable: async () => { await this.prevChannel.drained() },
      writableNow: () => this.prevChannel.writable,
      fail: (reason) => { this.destroy(reason, 'local') }
    }, {
      streamHandler: (s) => this.host.streamHandler(s),
      requestHandler: (n) => this.host.requestHandler(n),
      context: () => this,
      onDrop: (r) => { this.host.drop(r) }
    }, false)
    return this.end
  }

  private async extend (data: Buffer): Promise<void> {
    const refuse = (reason: EndReason): void => {
      this.originate({ command: RelayCommand.truncated, streamId: 0, data: encodeReason(reason) })
    }
    if (this.next !== undefined || this.joinedWith !== undefined || this.extending) { this.host.drop('extend-twice'); refuse(END_REASON.protocol); return }
    let body
    try { body = decodeExtend(data) } catch { this.host.drop('malformed'); refuse(END_REASON.protocol); return }
    if (!nodeIdOf(body.publicKey).equals(body.id) || body.id.equals(this.host.identity.id) || body.id.equals(this.prevChannel.peer.id) ||
      !this.host.endpointAllowed(body.endpoint)) {
      this.host.drop('bad-extend')
      refuse(END_REASON.hopFailed)
      return
    }
    this.extending = true
    let timer: NodeJS.Timeout | undefined
    try {
      const channel = await this.host.channelTo(makeContact(body.id, body.endpoint, { publicKey: body.publicKey }))
      if (this.closedFlag) return
      const circuitId = channel.allocate({
        onCell: (c) => { this.fromNext(c) },
        onChannelClosed: () => { this.nextGone() }
      })
      this.next = { channel, circuitId }
      const reply = await new Promise<Buffer>((resolve, reject) => {
        this.pendingCreated = { resolve, reject }
        timer = setTimeout(() => { this.pendingCreated = undefined; reject(new TunnelError(TunnelErrorCode.TIMEOUT, 'CREATE timed out')) }, this.host.extendTimeoutMs)
        channel.send({ circuitId, command: LinkCommand.create, body: encodeHandshakeBody(body.handshake) })
      })
      this.originate({ command: RelayCommand.extended, streamId: 0, data: encodeExtended(reply) })
    } catch {
      if (this.next !== undefined) {
        if (this.next.channel.backlog > MAX_CHANNEL_BACKLOG) { this.overflow(); return }
        this.next.channel.send({ circuitId: this.next.circuitId, command: LinkCommand.destroy, body: encodeReason(END_REASON.hopFailed) })
        this.next.channel.detach(this.next.circuitId)
        this.next = undefined
      }
      refuse(END_REASON.hopFailed)
    } finally {
      clearTimeout(timer)
      this.extending = false
    }
  }

  /** The next hop's channel closed: while extending it is a failed EXTEND, afterwards the circuit is broken. */
  private nextGone (): void {
    const p = this.pendingCreated
    if (p !== undefined) { this.pendingCreated = undefined; p.reject(new TunnelError(TunnelErrorCode.EXTEND_FAILED, 'the channel to the next hop closed')); return }
    this.destroy(END_REASON.hopFailed, 'next')
  }

  private truncate (): void {
    if (this.next !== undefined) {
      this.next.channel.send({ circuitId: this.next.circuitId, command: LinkCommand.destroy, body: encodeReason(END_REASON.done) })
      this.next.channel.detach(this.next.circuitId)
      this.next = undefined
    }
    this.originate({ command: RelayCommand.truncated, streamId: 0, data: encodeReason(END_REASON.done) })
  }

  // RelayCircuitContext ------------------------------------------------------

  join (other: RelayCircuitContext): void {
    if (!(other instanceof RelayCircuit) || other === this) throw new TunnelError(TunnelErrorCode.INVALID_ARGUMENT, 'join: the other circuit must be another circuit relayed here')
    if (this.closedFlag || other.closedFlag) throw new TunnelError(TunnelErrorCode.CIRCUIT_CLOSED, 'join: one of the circuits already closed')
    if (this.next !== undefined || other.next !== undefined || this.joinedWith !== undefined || other.joinedWith !== undefined) {
      throw new TunnelError(TunnelErrorCode.INVALID_ARGUMENT, 'join: both circuits must end at this relay and be joined to nothing else')
    }
    this.joinedWith = other
    other.joinedWith = this
  }

  notify (name: string, payload: Buffer): void { this.conversation().notify(name, payload) }

  onClose (listener: () => void): void {
    if (this.closedFlag) { listener(); return }
    this.listeners.push(listener)
  }

  /**
   * Tears the circuit down. `from` says where the end came from, so DESTROY
   * goes to the other side(s) only. A relay that lost its next hop tells the
   * origin "hopFailed" even when that hop said "shutdown": to the origin,
   * either way, a hop past this one failed.
   */
  destroy (reason: EndReason, from: 'prev' | 'next' | 'local'): void {
    if (this.closedFlag) return
    this.closedFlag = true
    const backward = from === 'next' && reason === END_REASON.shutdown ? END_REASON.hopFailed : reason
    if (from !== 'prev') this.prevChannel.send({ circuitId: this.prevId, command: LinkCommand.destroy, body: encodeReason(backward) })
    this.prevChannel.detach(this.prevId)
    if (this.next !== undefined) {
      if (from !== 'next') this.next.channel.send({ circuitId: this.next.circuitId, command: LinkCommand.destroy, body: encodeReason(reason) })
      this.next.channel.detach(this.next.circuitId)
    }
    const p = this.pendingCreated
    this.pendingCreated = undefined
    p?.reject(new TunnelError(TunnelErrorCode.CIRCUIT_CLOSED, 'the circuit closed while extending'))
    this.end?.close(reason)
    const partner = this.joinedWith
    // The far half hears the same reason its peer gave (a client that closed is "done", not a failure).
    if (partner !== undefined) partner.destroy(reason, 'next')
    const listeners = this.listeners
    this.listeners = []
    for (const l of listeners) { try { l() } catch {} }
    this.onClosed(this)
  }
}

/** The reason byte of a DESTROY body (anything unknown counts as a protocol failure). */
export function reasonFrom (body: Buffer): EndReason {
  const r = body[0]
  return (Object.values(END_REASON) as number[]).includes(r) ? r as EndReason : END_REASON.protocol
}
