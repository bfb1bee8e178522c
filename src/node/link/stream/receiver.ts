import { MAX_SACK_RANGES } from './constants.js'
import { type AckFrame, type DataFrame, type FinFrame, FrameType, type SackRange } from './frames.js'
import { IntervalSet } from './interval-set.js'

/**
 * The receiving half of a reliable stream, free of I/O: it reorders DATA,
 * hands in-order payloads to `deliver`, remembers the FIN, and builds ACKs.
 *
 * Flow control. The sender may have at most `window` payload bytes beyond
 * `next`, where window = maxWindow − unread (unread: delivered to the stream
 * but not yet consumed by the application). The right edge it implies,
 * consumed + maxWindow, only moves forward, so a stale ACK never misleads the
 * sender. An honest sender therefore never makes unread + held exceed
 * maxWindow; a packet that would is dropped unacknowledged (the sender will
 * retransmit it), and one more than maxWindow packets ahead of `next` cannot
 * come from an honest sender at all and is a protocol violation.
 *
 * Held packets are never discarded once accepted, so SACKed data is never
 * reneged on. The count of held packets is bounded too (tiny packets would
 * otherwise cost far more memory than their bytes): past the bound, new
 * out-of-order packets are dropped unacknowledged.
 */

export interface ReceiverStats {
  framesReceived: number
  bytesReceived: number
  duplicates: number
  spurious: number
  windowDrops: number
}

/**
 * `outOfOrder`: the packet is held, waiting for a hole below it to fill.
 * `gap`: it is not the one after the highest received so far: it opens a new
 * hole or arrives below the highest (a late or retransmitted packet), which
 * the sender's loss detection should learn of at once (RFC 9000 §13.2.1).
 */
export type DataVerdict =
  | { kind: 'accepted', outOfOrder: boolean, gap: boolean }
  | { kind: 'duplicate' }
  | { kind: 'dropped' }
  | { kind: 'violation', reason: string }

// The common verdicts, shared: one per packet would be garbage on the hot path.
const IN_ORDER: DataVerdict = Object.freeze({ kind: 'accepted', outOfOrder: false, gap: false })
const FILLED: DataVerdict = Object.freeze({ kind: 'accepted', outOfOrder: false, gap: true })
const HELD: DataVerdict = Object.freeze({ kind: 'accepted', outOfOrder: true, gap: false })
const HELD_GAP: DataVerdict = Object.freeze({ kind: 'accepted', outOfOrder: true, gap: true })
const DUPLICATE: DataVerdict = Object.freeze({ kind: 'duplicate' })
const DROPPED: DataVerdict = Object.freeze({ kind: 'dropped' })

export class StreamReceiver {
  readonly stats: ReceiverStats = { framesReceived: 0, bytesReceived: 0, duplicates: 0, spurious: 0, windowDrops: 0 }
  /** Every packet below `next` has arrived. */
  next = 0
  private finSeq: number | undefined
  private finReached = false
  private readonly held = new Map<number, Buffer>()
  private heldBytes = 0
  private readonly ranges = new IntervalSet()
  private echo: number | undefined
  private sinceAck = 0

  constructor (
    private readonly maxWindow: number,
    private readonly maxHeldPackets: number,
    private readonly maxRanges: number,
    private readonly deliver: (payload: Buffer) => void
  ) {}

  /** True once every packet up to and including the FIN has arrived. */
  get finished (): boolean { return this.finReached }
  /** Frames received since the last ACK was built. */
  get unacknowledged (): number { return this.sinceAck }
  get heldPackets (): number { return this.held.size }
  get heldPayloadBytes (): number { return this.heldBytes }

  /**
   * Takes one DATA or FIN frame. `unread` is how many delivered bytes the
   * application has not consumed yet.
   */
  onFrame (f: DataFrame | FinFrame, unread: number): DataVerdict {
    const isFin = f.type === FrameType.Fin
    const violation = this.check(f.seq, isFin)
    if (violation !== undefined) return { kind: 'violation', reason: violation }
    this.stats.framesReceived++
    this.sinceAck++ // every arrival is answered, duplicates too: our last ACK may have been lost

    if (f.seq < this.next || this.held.has(f.seq) || (isFin && this.finSeq === f.seq)) {
      this.stats.duplicates++
      if (f.tx > 0) this.stats.spurious++
      return DUPLICATE
    }
    // One past the highest packet received so far.
    const top = Math.max(this.next, this.ranges.max ?? 0)
    const gap = f.seq !== top
    this.noteEcho(f.ts)
    if (isFin) {
      this.finSeq = f.seq
      if (f.seq === this.next) this.advance()
      else this.ranges.add(f.seq, f.seq + 1)
      return f.seq !== this.next - 1 ? (gap ? HELD_GAP : HELD) : (gap ? FILLED : IN_ORDER)
    }

    const payload = f.payload
    if (unread + this.heldBytes + payload.length > this.maxWindow) {
      this.stats.windowDrops++
      return DROPPED
    }
    if (f.seq === this.next) {
      this.handOver(payload)
      this.next++
      if (this.held.size > 0 || this.finSeq !== undefined) this.advance()
      return gap ? FILLED : IN_ORDER
    }
    if (this.held.size >= this.maxHeldPackets) {
      this.stats.windowDrops++
      return DROPPED
    }
    this.held.set(f.seq, payload)
    this.heldBytes += payload.length
    this.ranges.add(f.seq, f.seq + 1)
    return gap ? HELD_GAP : HELD
  }

  /** Builds an ACK advertising `window` and resets the per-ACK state. */
  buildAck (window: number, probe: boolean): AckFrame {
    const ack: AckFrame = {
      type: FrameType.Ack, probe, echo: this.echo, next: this.next, window, spurious: this.stats.spurious >>> 0, ranges: this.sackRanges()
    }
    this.echo = undefined
    this.sinceAck = 0
    return ack
  }

  private check (seq: number, isFin: boolean): string | undefined {
    if (this.finSeq !== undefined) {
      if (isFin && seq !== this.finSeq) return `second FIN at ${seq}, first at ${this.finSeq}`
      if (!isFin && seq >= this.finSeq) return `DATA ${seq} at or after FIN ${this.finSeq}`
    } else if (isFin) {
      if (seq < this.next) return `FIN ${seq} for a packet already received as DATA`
      const highest = this.ranges.max
      if (highest !== undefined && seq < highest) return `FIN ${seq} below DATA already received (${highest - 1})`
    }
    if (seq >= this.next && seq - this.next >= this.maxWindow) {
      return `packet ${seq} is ${seq - this.next} ahead of ${this.next}, beyond any window`
    }
    return undefined
  }

  /**
   * Echo the newest timestamp of a new packet: an old copy (delayed or
   * duplicated in the network) would inflate the sender's RTT estimate and
   * could pass for proof that a timeout was needless.
   */
  private noteEcho (ts: number): void {
    if (this.echo === undefined || ((ts - this.echo) | 0) > 0) this.echo = ts
  }

  /** Delivers held packets that have become in order, and the FIN. */
  private advance (): void {
    for (;;) {
      const p = this.held.get(this.next)
      if (p !== undefined) {
        this.held.delete(this.next)
        this.heldBytes -= p.length
        this.handOver(p)
        this.next++
        continue
      }
      if (this.finSeq === this.next) {
        this.next++
        this.finReached = true
      }
      break
    }
    this.ranges.removeBelow(this.next)
  }

  private handOver (payload: Buffer): void {
    this.stats.bytesReceived += payload.length
    this.deliver(payload)
  }

  /** The lowest ranges (the holes the sender must fill first) plus the highest. */
  private sackRanges (): SackRange[] {
    const n = this.ranges.count
    const out: SackRange[] = []
    const limit = Math.min(this.maxRanges, MAX_SACK_RANGES)
    const low = n <= limit ? n : limit - 1
    for (let i = 0; i < low; i++) out.push({ start: this.ranges.startAt(i), end: this.ranges.endAt(i) })
    if (n > limit) out.push({ start: this.ranges.startAt(n - 1), end: this.ranges.endAt(n - 1) })
    return out
  }
}
