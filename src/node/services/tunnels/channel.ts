import type { Duplex } from 'node:stream'
import type { Contact } from '../../routing/contact.js'
import { CELL_BYTES, CELL_HEADER_BYTES, decodeLinkCell, encodeLinkCellInto, LinkCommand, type LinkCell } from './cell.js'
import { TunnelError, TunnelErrorCode } from './errors.js'
import { END_REASON } from './tunnel-api.js'
import { TokenBucket } from '../token-bucket.js'

/**
 * A channel: one reliable link stream to a neighbour on the `tunnel` service,
 * carrying fixed-size cells of many circuits. The side that opened the stream
 * allocates every circuit id on it (and sends CREATE); the other side only
 * answers, so ids never collide and a CREATE arriving at the opener is
 * refused. Bytes that do not frame into a valid cell are dropped and counted;
 * they never throw.
 */
export interface ChannelCircuit {
  onCell: (cell: LinkCell) => void
  /** The channel went away: tear down what rides on it. */
  onChannelClosed: () => void
}

export interface ChannelEvents {
  /** A CREATE for a new circuit id (only on channels the peer opened). */
  onCreate: (channel: Channel, cell: LinkCell) => void
  onDrop: (reason: string) => void
  onClosed: (channel: Channel) => void
}

/** Default bound on circuits per channel: at most this many windows of cells can be buffered per neighbour. */
export const MAX_CIRCUITS_PER_CHANNEL = 64
/**
 * Bytes a channel may hold unsent before a relay stops forwarding into it. Honest
 * traffic stays under it (windows bound each circuit to 1000 cells in flight);
 * cells that windows do not count (DROP, requests) could otherwise pile up.
 */
export const MAX_CHANNEL_BACKLOG = 16 * 1024 * 1024
/**
 * CREATEs a neighbour may send per second (burst twice that): each costs this
 * relay a handshake, and the circuit bound alone would not stop a
 * create–destroy loop.
 */
export const CREATES_PER_SECOND = 50
/**
 * Cells are written straight into a batch buffer of this many cells, which
 * goes to the link stream in views, one per flush (event-loop turn): no
 * buffer per cell, no concat or copy per write, no zeroing.
 */
export const BATCH_CELLS = 64
const BATCH_BYTES = BATCH_CELLS * CELL_BYTES

/**
 * Cells split across two chunks of the link stream are assembled in buffers carved
 * from a shared slab: link packets are not cell-aligned, so nearly every cell
 * straddles, and one ArrayBuffer per STRADDLE_SLAB_CELLS of them costs less than
 * Node's 8 KiB pool (one per 8) or one each. A carved cell is never handed out
 * twice (handlers may keep views of a cell's body); the slab lives while any does.
 */
const STRADDLE_SLAB_CELLS = 64
let straddleSlab = Buffer.allocUnsafeSlow(0)
let straddleUsed = 0
function straddleCell (): Buffer {
  if (straddleUsed + CELL_BYTES > straddleSlab.length) {
    straddleSlab = Buffer.allocUnsafeSlow(STRADDLE_SLAB_CELLS * CELL_BYTES)
    straddleUsed = 0
  }
  const cell = straddleSlab.subarray(straddleUsed, straddleUsed + CELL_BYTES)
  straddleUsed += CELL_BYTES
  return cell
}

export class Channel {
  private readonly circuits = new Map<number, ChannelCircuit>()
  private nextId = 1
  /** The start of a cell split across chunks (`pendingLength` bytes of it). */
  private pending: Buffer = straddleCell()
  private pendingLength = 0
  private closedFlag = false
  /** Filled batches (their unwritten tails) waiting for the flush, then the one being filled. */
  private full: Buffer[] = []
  private batch?: Buffer
  /** Bytes of `batch` holding cells; the first `written` of them are in the stream already. */
  private used = 0
  private written = 0
  private flushScheduled = false
  private drainWaiters: Array<() => void> = []
  private readonly creates = new TokenBucket(CREATES_PER_SECOND, 2 * CREATES_PER_SECOND)
  /** Cells in and out, for stats and the dashboard. */
  cellsIn = 0
  cellsOut = 0
  /** The neighbour's node id in hex, computed once: accounting names peers so on every relayed cell. */
  readonly peerHex: string

  constructor (
    private readonly stream: Duplex,
    /** The authenticated neighbour (from the link session, never from a cell). */
    readonly peer: Contact,
    /** True when this node opened the stream (and so allocates circuit ids). */
    readonly opener: boolean,
    private readonly events: ChannelEvents,
    readonly maxCircuits = MAX_CIRCUITS_PER_CHANNEL
  ) {
    this.peerHex = peer.id.toString('hex')
    stream.on('data', (chunk: Buffer) => { this.onData(chunk) })
    stream.on('drain', () => { this.wakeDrain() })
    stream.on('error', () => { this.close() })
    stream.on('close', () => { this.close() })
    stream.on('end', () => { this.close() })
  }

  get closed (): boolean { return this.closedFlag }
  get circuitCount (): number { return this.circuits.size }

  /** A fresh circuit id for a circuit this node creates on the channel; throws LIMIT when full. */
  allocate (circuit: ChannelCircuit): number {
    if (!this.opener) throw new TunnelError(TunnelErrorCode.INVALID_ARGUMENT, 'only the side that opened a channel allocates its circuit ids')
    this.checkRoom()
    for (let tries = 0; tries < 0x10000; tries++) {
      const id = this.nextId
      this.nextId = this.nextId >= 0xffffffff ? 1 : this.nextId + 1
      if (!this.circuits.has(id)) { this.circuits.set(id, circuit); return id }
    }
    throw new TunnelError(TunnelErrorCode.LIMIT, 'channel: no free circuit id')
  }

  /** Binds a circuit id the peer chose (its CREATE) to the circuit answering it. */
  attach (id: number, circuit: ChannelCircuit): void {
    this.checkRoom()
    this.circuits.set(id, circuit)
  }

  detach (id: number): void {
    this.circuits.delete(id)
  }

  private checkRoom (): void {
    if (this.closedFlag) throw new TunnelError(TunnelErrorCode.CIRCUIT_CLOSED, `the channel to ${this.peerHex.slice(0, 12)} is closed`)
    if (this.circuits.size >= this.maxCircuits) {
      throw new TunnelError(TunnelErrorCode.LIMIT, `the channel to ${this.peerHex.slice(0, 12)} already carries ${this.maxCircuits} circuits`)
    }
  }

  /**
   * Queues one cell; cells leave in order, batched per event-loop turn: what a
   * relay forwards from one I/O phase goes out as one link write (measured about
   * twice the throughput of a write per microtask). False once the stream's
   * buffer is full (see drained()).
   */
  send (cell: LinkCell): boolean {
    const slot = this.reserve(cell.circuitId, cell.command)
    if (slot === undefined) return false
    try {
      encodeLinkCellInto(cell, slot)
    } catch (err) {
      this.unreserve()
      throw err
    }
    return !this.stream.writableNeedDrain
  }

  /**
   * Queues one cell whose body `fill` writes in place (all CELL_BODY_BYTES of
   * it: an onion sealed straight into the outgoing batch). When `fill` throws
   * the cell is taken back unsent, so a half-written body never leaves.
   * False when the channel is closed (nothing queued) or its stream is full.
   */
  sendWith (circuitId: number, command: LinkCommand, fill: (body: Buffer) => void): boolean {
    const slot = this.reserve(circuitId, command)
    if (slot === undefined) return false
    try {
      fill(slot)
    } catch (err) {
      this.unreserve()
      throw err
    }
    return !this.stream.writableNeedDrain
  }

  /** The body of the next cell slot, its header written; undefined when closed. */
  private reserve (circuitId: number, command: LinkCommand): Buffer | undefined {
    if (this.closedFlag) return undefined
    if (this.batch === undefined || this.used === BATCH_BYTES) {
      if (this.batch !== undefined) this.full.push(this.batch.subarray(this.written))
      // Not zeroed: every slot handed out is written whole before it can leave (send pads the
      // body, every sendWith fill writes all CELL_BODY_BYTES, a fill that throws is taken back),
      // and only slots up to `used` are ever written to the stream.
      this.batch = Buffer.allocUnsafeSlow(BATCH_BYTES)
      this.used = 0
      this.written = 0
    }
    const at = this.used
    this.used += CELL_BYTES
    this.batch.writeUInt32LE(circuitId, at)
    this.batch[at + 4] = command
    this.cellsOut++
    if (!this.flushScheduled) {
      this.flushScheduled = true
      setImmediate(() => { this.flush() })
    }
    return this.batch.subarray(at + CELL_HEADER_BYTES, at + CELL_BYTES)
  }

  /** Takes back the slot reserve() just handed out (nothing else was reserved since). */
  private unreserve (): void {
    this.used -= CELL_BYTES
    this.cellsOut--
  }

  private flush (): void {
    this.flushScheduled = false
    if (this.closedFlag) return
    if (this.full.length > 0) {
      for (const b of this.full) this.stream.write(b)
      this.full = []
    }
    if (this.batch === undefined || this.used === this.written) return
    // A view of the cells queued since the last flush (the stream keeps it until they are
    // acknowledged); the cells after them go into the rest of the same batch. No copy: a
    // trickle of cells fills one batch slot by slot instead of pinning a batch per flush.
    this.stream.write(this.batch.subarray(this.written, this.used))
    this.written = this.used
    if (this.used === BATCH_BYTES) this.batch = undefined
  }

  /** Bytes queued here and in the stream, not yet sent. */
  get backlog (): number {
    let queued = this.used - this.written
    for (const b of this.full) queued += b.length
    return queued + this.stream.writableLength
  }

  /** Whether the stream under the channel has room (writers of bulk data wait on drained()). */
  get writable (): boolean { return !this.closedFlag && !this.stream.writableNeedDrain }

  async drained (): Promise<void> {
    if (this.writable || this.closedFlag) return
    await new Promise<void>(resolve => this.drainWaiters.push(resolve))
  }

  private wakeDrain (): void {
    const w = this.drainWaiters
    this.drainWaiters = []
    for (const f of w) f()
  }

  private onData (chunk: Buffer): void {
    if (this.closedFlag) return
    let at = 0
    if (this.pendingLength > 0) {
      // Only the cell that straddles two chunks is assembled; the rest is read in place.
      const n = Math.min(CELL_BYTES - this.pendingLength, chunk.length)
      chunk.copy(this.pending, this.pendingLength, 0, n)
      this.pendingLength += n
      at = n
      if (this.pendingLength < CELL_BYTES) return
      const cell = this.pending
      // A fresh buffer for the next straddling cell: handlers may keep views of this one.
      this.pending = straddleCell()
      this.pendingLength = 0
      this.cellsIn++
      this.dispatch(cell)
      if (this.closedFlag) return
    }
    while (chunk.length - at >= CELL_BYTES) {
      const bytes = chunk.subarray(at, at + CELL_BYTES)
      at += CELL_BYTES
      this.cellsIn++
      this.dispatch(bytes)
      if (this.closedFlag) return
    }
    // Keep a copy of the tail only: a subarray would pin the whole chunk.
    if (at < chunk.length) {
      chunk.copy(this.pending, 0, at)
      this.pendingLength = chunk.length - at
    }
  }

  private dispatch (bytes: Buffer): void {
    let cell: LinkCell
    try {
      cell = decodeLinkCell(bytes)
    } catch {
      this.events.onDrop('malformed')
      return
    }
    if (cell.command === LinkCommand.padding) return
    const circuit = this.circuits.get(cell.circuitId)
    if (circuit !== undefined) {
      try { circuit.onCell(cell) } catch { this.events.onDrop('handler-error') }
      return
    }
    if (cell.command === LinkCommand.create) {
      // Only the peer that opened the channel may create circuits on it (it owns the ids).
      if (this.opener) { this.events.onDrop('create-wrong-side'); return }
      if (this.circuits.size >= this.maxCircuits || !this.creates.take()) {
        this.events.onDrop(this.circuits.size >= this.maxCircuits ? 'circuit-limit' : 'create-rate')
        this.send({ circuitId: cell.circuitId, command: LinkCommand.destroy, body: Buffer.from([END_REASON.limit]) })
        return
      }
      try { this.events.onCreate(this, cell) } catch { this.events.onDrop('handler-error') }
      return
    }
    this.events.onDrop(cell.command === LinkCommand.destroy ? 'destroy-unknown-circuit' : 'unknown-circuit')
  }

  /**
   * Closes after what is queued (the DESTROY cells of a shutdown) has left
   * the link stream, or after `ms`: a neighbour should hear why its circuits
   * end from the cells themselves, not from a session time-out.
   */
  async closeGracefully (ms: number): Promise<void> {
    if (this.closedFlag) return
    this.flush()
    const flushed = new Promise<void>(resolve => {
      const timer = setTimeout(resolve, ms)
      timer.unref()
      this.stream.once('finish', () => { clearTimeout(timer); resolve() })
      this.stream.once('close', () => { clearTimeout(timer); resolve() })
    })
    this.stream.end()
    await flushed
    this.close()
  }

  /** Closes the stream and tells every circuit on it. */
  close (): void {
    if (this.closedFlag) return
    this.flush()
    this.closedFlag = true
    const circuits = [...this.circuits.values()]
    this.circuits.clear()
    this.wakeDrain()
    for (const c of circuits) {
      try { c.onChannelClosed() } catch {}
    }
    this.stream.end()
    setTimeout(() => { this.stream.destroy() }, 1000).unref()
    this.events.onClosed(this)
  }
}
