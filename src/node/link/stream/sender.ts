import { ByteQueue } from './byte-queue.js'
import { type CongestionController, type ControllerState, WestwoodRenoController } from './congestion-controller.js'
import {
  INITIAL_PEER_WINDOW, PERSIST_MAX_MS, RTT_SAMPLE_MAX_MS, TLP_MIN_MS
} from './constants.js'
import { type AckFrame, DATA_HEADER_BYTES, FIN_BYTES, encodeFin, writeDataHead } from './frames.js'
import { IntervalSet } from './interval-set.js'
import { Pacer } from './pacer.js'
import { RtoEstimator } from './rto-estimator.js'
import { PacketState, type SentPacket, TransmitOrder } from './transmit-order.js'

/** Probes sent without any ACK in between before only the RTO is left. */
const MAX_TAIL_PROBES = 2

/**
 * The sending half of a reliable stream, free of I/O: it is handed ACKs and
 * the clock, and emits frames through a callback. The owner calls `flush`
 * after anything that may allow sending, `onTimer` when `nextDeadline` has
 * passed.
 *
 * Bookkeeping. Every packet from the oldest unacknowledged (`una`) to the
 * next unused sequence number (`nxt`) is kept in a ring by sequence number.
 * A packet is InFlight, Sacked (the peer holds it out of order), Lost (queued
 * for retransmission) or Acked. InFlight packets are also linked in order of
 * their latest transmission (transmit-order.ts), which is what RACK loss
 * detection, the tail loss probe and the RTO all walk.
 *
 * Loss detection is RACK (RFC 8985): a packet is lost once a packet sent after
 * it has been delivered and it is older than the RTT of that delivery plus a
 * reordering window (minRTT/4, widened each time the peer reports a needless
 * retransmission). After 2·srtt of silence a probe (at most two, backing off)
 * re-sends one packet so tail losses are found without waiting for the RTO;
 * the RTO (RFC 6298, exponential backoff) marks everything in flight lost,
 * and is undone if the next ACK shows it was needless (Eifel, RFC 3522/4015).
 *
 * The peer's flow-control window is a byte offset in the stream (the highest
 * acknowledged right edge). Congestion control counts frame bytes in flight;
 * see congestion-controller.ts. Pacing: pacer.ts.
 */

export interface SenderStats {
  bytesSent: number
  bytesAcked: number
  framesSent: number
  retransmits: number
  framesLost: number
  timeouts: number
  /** Timeouts found needless afterwards (the ACKs were only late) and undone. */
  spuriousTimeouts: number
  lossEpisodes: number
  spuriousReported: number
  tailProbes: number
}

export interface SenderOptions {
  mtu: number
  now: number
  /**
   * Emits one frame to the link; may throw (the owner handles that). A DATA
   * frame comes as its header and `payload` (the frame is frame ‖ payload),
   * so the payload, a view of the written bytes, need not be copied. A DATA
   * header is a buffer the sender reuses for the next packet: `emit` must be
   * done with it (copied or sent) when it returns.
   */
  emit: (frame: Buffer, payload?: Buffer) => void
  /** Sends a PROBE ACK (zero-window probe). */
  probe: () => void
  controller?: CongestionController
}

export type AckVerdict = { ok: true } | { ok: false, reason: string }

export class StreamSender {
  readonly rtt = new RtoEstimator()
  readonly cc: CongestionController
  readonly stats: SenderStats = {
    bytesSent: 0, bytesAcked: 0, framesSent: 0, retransmits: 0, framesLost: 0, timeouts: 0, spuriousTimeouts: 0, lossEpisodes: 0, spuriousReported: 0, tailProbes: 0
  }

  private readonly maxPayload: number
  private readonly emit: (frame: Buffer, payload?: Buffer) => void
  private readonly probe: () => void
  private readonly queue = new ByteQueue()
  private readonly pacer: Pacer
  private readonly sacked = new IntervalSet()
  /** Every DATA header is written here (emit consumes it synchronously): no allocation per packet. */
  private readonly headScratch = Buffer.alloc(DATA_HEADER_BYTES)

  // Ring of packets [una, nxt): ring[seq - base], live from index `head`.
  private ring: SentPacket[] = []
  private base = 0
  private head = 0
  private una = 0
  private nxt = 0
  private nextByte = 0
  private peerEdge = INITIAL_PEER_WINDOW
  private inflight = 0
  private outstandingPayload = 0

  private readonly order = new TransmitOrder()
  private txCounter = 0
  private retx: SentPacket[] = []
  private retxHead = 0

  // RACK state.
  private rackTxIndex = -1
  private rackRtt = 0
  private reoMult = 1
  private recoveriesSinceReoChange = 0
  private rackDeadline: number | undefined

  /** A round trip ends when the packet that was `nxt` at its start is acknowledged. */
  private roundEnd = 0
  private inRecovery = false
  private recoveryPoint = 0
  private peerSpurious = 0
  private probesSent = 0
  private paceDeadline: number | undefined
  private persistAt: number | undefined
  private persistInterval = 0

  /** Set by an RTO until the next timestamped ACK tells whether it was needless. */
  private rtoUndo: { tsUs: number, state: ControllerState, lost: SentPacket[] } | undefined

  private finRequested = false
  private finSeq: number | undefined
  private finAcked = false

  constructor (opts: SenderOptions) {
    this.maxPayload = opts.mtu - DATA_HEADER_BYTES
    this.emit = opts.emit
    this.probe = opts.probe
    this.cc = opts.controller ?? new WestwoodRenoController(opts.mtu, opts.now)
    this.pacer = new Pacer(opts.mtu, opts.now)
  }

  /** Written bytes not yet cumulatively acknowledged (queued + in the network). */
  get bufferedBytes (): number { return this.queue.length + this.outstandingPayload }
  get bytesInFlight (): number { return this.inflight }
  get pacingRate (): number { return this.pacer.bytesPerMs }
  get peerWindow (): number { return Math.max(0, this.peerEdge - this.nextByte) }
  /** True once our FIN has been acknowledged: the peer holds all our data. */
  get finished (): boolean { return this.finAcked }
  /** True when every written byte (and FIN if requested) is acknowledged. */
  get idle (): boolean { return this.queue.length === 0 && this.una === this.nxt }

  write (chunk: Buffer): void { this.queue.push(chunk) }

  /** Send FIN once every written byte is acknowledged. */
  requestFin (): void { this.finRequested = true }

  /** Drops everything (the stream is being destroyed). */
  clear (): void {
    this.queue.clear(); this.ring = []; this.head = 0; this.retx = []; this.retxHead = 0
    this.order.clear(); this.inflight = 0; this.outstandingPayload = 0
  }

  onAck (ack: AckFrame, now: number): AckVerdict {
    if (ack.next > this.nxt) return { ok: false, reason: `ACK for packet ${ack.next - 1}, never sent (next ${this.nxt})` }
    for (const r of ack.ranges) {
      if (r.end > this.nxt) return { ok: false, reason: `SACK for packet ${r.end - 1}, never sent (next ${this.nxt})` }
    }
    if (ack.next < this.una) return { ok: true } // reordered, older than what we know

    const edge = this.byteOffsetOf(ack.next) + ack.window
    if (edge > this.peerEdge) this.peerEdge = edge

    if (ack.echo !== undefined && this.rtoUndo !== undefined) this.checkSpuriousRto(ack.echo)
    if (ack.echo !== undefined) {
      const sample = (((Math.floor(now * 1000)) - ack.echo) >>> 0) / 1000
      if (sample <= RTT_SAMPLE_MAX_MS) {
        this.rtt.sample(sample)
        this.cc.onRttSample(sample)
      }
    }
    if (ack.spurious > this.peerSpurious) {
      this.stats.spuriousReported += ack.spurious - this.peerSpurious
      this.peerSpurious = ack.spurious
      // RFC 8985 §6.2: the peer saw a needless retransmission, so reordering
      // is deeper than our window; widen it, and narrow again after 16 calm
      // recoveries.
      this.reoMult = Math.min(this.reoMult + 1, 64)
      this.recoveriesSinceReoChange = 0
    }

    let delivered = 0
    for (let seq = this.una; seq < ack.next; seq++) {
      const p = this.ring[seq - this.base]
      if (p.state === PacketState.InFlight || p.state === PacketState.Lost) {
        delivered += p.size
        this.markDelivered(p, now)
      }
      p.state = PacketState.Acked
      this.outstandingPayload -= p.payload.length
      this.stats.bytesAcked += p.payload.length
      if (p.fin) this.finAcked = true
    }
    if (ack.next > this.una) this.advanceUna(ack.next)
    if (this.una > this.roundEnd) {
      this.roundEnd = this.nxt
      this.cc.onRoundStart()
    }

    for (const r of ack.ranges) {
      const lo = Math.max(r.start, this.una)
      if (lo >= r.end) continue
      this.sacked.add(lo, r.end, (s, e) => {
        for (let seq = s; seq < e; seq++) {
          const p = this.ring[seq - this.base]
          if (p.state === PacketState.InFlight || p.state === PacketState.Lost) {
            delivered += p.size
            this.markDelivered(p, now)
          }
          p.state = PacketState.Sacked
        }
      })
    }

    if (delivered > 0) {
      this.cc.onDelivered(delivered, now, this.rtt)
      this.probesSent = 0
    }
    if (this.inRecovery && this.una >= this.recoveryPoint) {
      this.inRecovery = false
      if (++this.recoveriesSinceReoChange >= 16 && this.reoMult > 1) {
        this.reoMult = 1
        this.recoveriesSinceReoChange = 0
      }
    }
    this.detectLosses(now)
    this.pacer.setRate(this.cc.pacingRate(this.rtt), now)
    return { ok: true }
  }

  /** Sends whatever the congestion window, the peer's window and pacing allow. */
  flush (now: number): void {
    this.pacer.refill(now)
    this.paceDeadline = undefined
    for (;;) {
      const lost = this.peekLost()
      let size: number
      let newLen = 0
      if (lost !== undefined) {
        size = lost.size
      } else {
        newLen = this.sendableLength()
        if (newLen > 0) size = newLen + DATA_HEADER_BYTES
        else if (this.finReady()) size = FIN_BYTES
        else break
      }
      if (this.inflight > 0 && this.inflight + size > this.cc.cwnd) break
      if (!this.pacer.canSend(size)) {
        this.paceDeadline = now + this.pacer.delayFor(size)
        break
      }
      this.pacer.consume(size)
      if (lost !== undefined) {
        this.retxHead++
        this.stats.retransmits++
        this.transmit(lost, now)
      } else {
        this.transmit(this.newPacket(newLen, size), now)
      }
    }
    this.updatePersist(now)
  }

  /** The earliest time `onTimer` has work to do, or undefined. */
  nextDeadline (): number | undefined {
    // Called after every packet and ACK: plain comparisons, no closure.
    let d = earlier(earlier(this.paceDeadline, this.rackDeadline), this.persistAt)
    if (this.order.first !== undefined) {
      d = earlier(d, this.order.first.sentAt + this.rtt.rto)
      d = earlier(d, this.tlpDeadline())
    }
    return d
  }

  onTimer (now: number): void {
    if (this.rackDeadline !== undefined && now >= this.rackDeadline) this.detectLosses(now)
    if (this.order.first !== undefined && now >= this.order.first.sentAt + this.rtt.rto) {
      this.onRto(now)
    } else {
      const tlp = this.tlpDeadline()
      if (tlp !== undefined && now >= tlp) this.sendTailProbe(now)
    }
    if (this.persistAt !== undefined && now >= this.persistAt) {
      this.probe()
      this.persistInterval = Math.min(PERSIST_MAX_MS, this.persistInterval * 2)
      this.persistAt = now + this.persistInterval
    }
    this.flush(now)
  }

  private onRto (now: number): void {
    this.stats.timeouts++
    const lost: SentPacket[] = []
    for (let p = this.order.first; p !== undefined;) {
      const next = p.next
      this.markLost(p, undefined)
      lost.push(p)
      p = next
    }
    // Back-to-back timeouts: keep the state from before the first, and every
    // packet given up on (older first; duplicates are skipped on undo).
    const state = this.rtoUndo?.state ?? this.cc.save()
    const earlier = this.rtoUndo?.lost ?? []
    this.rtoUndo = { tsUs: Math.floor(now * 1000) >>> 0, state, lost: earlier.length > 0 ? [...earlier, ...lost] : lost }
    this.cc.onTimeout(now, this.rtt)
    this.rtt.backOff()
    this.inRecovery = true
    this.recoveryPoint = this.nxt
    this.stats.lossEpisodes++
    this.rackDeadline = undefined
  }

  /**
   * Eifel detection (RFC 3522) with timestamps: if the first timestamped ACK
   * after an RTO echoes a packet sent before it, the originals were only
   * delayed. Then undo (RFC 4015): restore the window and put the packets the
   * RTO gave up on, and not yet resent, back in flight.
   */
  private checkSpuriousRto (echo: number): void {
    const undo = this.rtoUndo
    if (undo === undefined) return
    this.rtoUndo = undefined
    if (((echo - undo.tsUs) | 0) >= 0) return // acknowledges a retransmission: a real timeout
    this.stats.spuriousTimeouts++
    this.cc.restore(undo.state)
    for (let i = undo.lost.length - 1; i >= 0; i--) {
      const p = undo.lost[i]
      if (p.state !== PacketState.Lost) { p.ambiguous = true; continue }
      p.state = PacketState.InFlight
      this.order.prepend(p)
      this.inflight += p.size
    }
  }

  private tlpDeadline (): number | undefined {
    if (this.probesSent >= MAX_TAIL_PROBES || this.order.last === undefined) return undefined
    const pto = Math.max(2 * (this.rtt.srtt ?? this.rtt.rto / 2), TLP_MIN_MS) * 2 ** this.probesSent
    return this.order.last.sentAt + pto
  }

  /**
   * Nothing heard for a probe timeout: send one packet, outside the congestion
   * window, to provoke an ACK that reveals what was lost — the oldest packet
   * waiting for retransmission if any (its turn may be blocked by a window
   * whose ACKs were lost), else the newest in flight again. Like QUIC's PTO
   * (RFC 9002), this may repeat (with backoff) before the RTO gives up on
   * the whole flight.
   */
  private sendTailProbe (now: number): void {
    this.probesSent++
    this.stats.tailProbes++
    const lost = this.peekLost()
    const p = lost ?? this.order.last
    if (p === undefined) return
    if (lost !== undefined) this.retxHead++
    else { this.order.remove(p); this.inflight -= p.size }
    this.stats.retransmits++
    this.transmit(p, now)
  }

  private detectLosses (now: number): void {
    this.rackDeadline = undefined
    if (this.rackTxIndex < 0) return
    const minRtt = Number.isFinite(this.rtt.minRtt) ? this.rtt.minRtt : 0
    const reoWnd = Math.min(this.reoMult * minRtt / 4, this.rtt.srtt ?? Infinity)
    for (let p = this.order.first; p !== undefined && p.txIndex < this.rackTxIndex;) {
      const deadline = p.sentAt + this.rackRtt + reoWnd
      if (now < deadline) { this.rackDeadline = deadline; break }
      const next = p.next
      this.markLost(p, now)
      p = next
    }
  }

  /** `now` set: a RACK loss, a congestion signal; undefined: an RTO sweep. */
  private markLost (p: SentPacket, now: number | undefined): void {
    this.order.remove(p)
    this.inflight -= p.size
    p.state = PacketState.Lost
    this.retx.push(p)
    this.stats.framesLost++
    if (now !== undefined && (!this.inRecovery || p.seq >= this.recoveryPoint)) {
      this.cc.onCongestionEvent(now, this.rtt)
      this.inRecovery = true
      this.recoveryPoint = this.nxt
      this.stats.lossEpisodes++
    }
  }

  private markDelivered (p: SentPacket, now: number): void {
    if (p.state === PacketState.InFlight) {
      this.order.remove(p)
      this.inflight -= p.size
    }
    // RFC 8985 §6.2: an ACK of a retransmitted packet that comes back faster
    // than any round trip is for the original copy; it says nothing about
    // the retransmission's time, so it must not advance RACK.
    if (p.ambiguous || (p.tx > 1 && now - p.sentAt < this.rtt.minRtt)) return
    if (p.txIndex > this.rackTxIndex) {
      this.rackTxIndex = p.txIndex
      this.rackRtt = now - p.sentAt
    }
  }

  private peekLost (): SentPacket | undefined {
    while (this.retxHead < this.retx.length) {
      const p = this.retx[this.retxHead]
      if (p.state === PacketState.Lost) return p
      this.retxHead++
    }
    if (this.retx.length > 0) { this.retx = []; this.retxHead = 0 }
    return undefined
  }

  /** Payload bytes the next new packet may carry (0: nothing to send now). */
  private sendableLength (): number {
    const avail = this.queue.length
    if (avail === 0 || this.finSeq !== undefined) return 0
    const room = this.peerEdge - this.nextByte
    if (room <= 0) return 0
    const len = Math.min(this.maxPayload, avail, room)
    // Silly-window avoidance: while ACKs are due, wait for room for a full frame.
    if (len < this.maxPayload && len < avail && this.una < this.nxt) return 0
    return len
  }

  private finReady (): boolean {
    return this.finRequested && this.finSeq === undefined && this.queue.length === 0 && this.una === this.nxt
  }

  private newPacket (len: number, size: number): SentPacket {
    const fin = len === 0
    const payload = fin ? Buffer.alloc(0) : this.queue.take(len)
    const p: SentPacket = {
      seq: this.nxt++, payload, fin, byteStart: this.nextByte, size, sentAt: 0, txIndex: 0, tx: 0, ambiguous: false,
      state: PacketState.InFlight, prev: undefined, next: undefined
    }
    if (fin) this.finSeq = p.seq
    this.nextByte += len
    this.outstandingPayload += len
    this.stats.bytesSent += len
    this.ring.push(p)
    return p
  }

  private transmit (p: SentPacket, now: number): void {
    p.sentAt = now
    p.txIndex = this.txCounter++
    p.ambiguous = false
    p.state = PacketState.InFlight
    this.order.append(p)
    this.inflight += p.size
    this.stats.framesSent++
    const ts = Math.floor(now * 1000) >>> 0
    const tx = p.tx++
    if (p.fin) this.emit(encodeFin(p.seq, ts, tx))
    else this.emit(writeDataHead(this.headScratch, p.seq, ts, tx), p.payload)
  }

  private updatePersist (now: number): void {
    const blocked = this.queue.length > 0 && this.finSeq === undefined && this.peerEdge <= this.nextByte &&
      this.una === this.nxt
    if (!blocked) { this.persistAt = undefined; return }
    if (this.persistAt === undefined) {
      this.persistInterval = this.rtt.rto
      this.persistAt = now + this.persistInterval
    }
  }

  private byteOffsetOf (seq: number): number {
    return seq === this.nxt ? this.nextByte : this.ring[seq - this.base].byteStart
  }

  private advanceUna (to: number): void {
    this.una = to
    this.head = to - this.base
    this.sacked.removeBelow(to)
    if (this.head > 1024 && this.head * 2 > this.ring.length) {
      this.ring = this.ring.slice(this.head)
      this.base += this.head
      this.head = 0
    }
  }



}

function earlier (a: number | undefined, b: number | undefined): number | undefined {
  return a === undefined ? b : (b === undefined || a <= b ? a : b)
}
