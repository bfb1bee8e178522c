import type { Contact } from '../../routing/contact.js'
import type { PushReply } from './messages.js'

/**
 * What a relay owes one child: a bounded queue of encoded segments with
 * drop-oldest, drained by a few concurrent pushes. Each child has its own
 * queue and its own pushes in flight, so a slow or dead child only ever
 * loses its own oldest segments; it never delays a sibling or the relay's
 * parent (no head-of-line blocking). Live audio has no use for a segment
 * that waited behind many newer ones, hence oldest first out.
 *
 * An empty buffer is a "hold" (see messages.ts).
 */
export interface ChildQueueOptions {
  /** Segments waiting per child; past it the oldest is dropped. */
  maxQueue: number
  /** Pushes in flight per child. */
  inFlight: number
  /** Tries per segment (the first included) when a push fails. */
  tries: number
  /** A child that fails this many pushes in a row is given up. */
  maxFailures: number
  /**
   * Push time-out bounds. Within them the time-out follows the child's own
   * round trips (4 × smoothed RTT): a lost push is re-sent while the segment
   * can still be played, not after a fixed worst-case wait.
   */
  minTimeoutMs: number
  maxTimeoutMs: number
  /** Clock for round trips (the virtual one in simulations). */
  now: () => number
}

export const DEFAULT_CHILD_QUEUE: ChildQueueOptions = { maxQueue: 64, inFlight: 8, tries: 2, maxFailures: 4, minTimeoutMs: 300, maxTimeoutMs: 1500, now: () => performance.now() }

export type Push = (to: Contact, segment: Buffer, timeoutMs: number) => Promise<PushReply>

export class ChildQueue {
  private readonly queue: Buffer[] = []
  private flying = 0
  private failures = 0
  private closed = false
  private srtt: number | undefined
  /** Segments dropped because the queue was full. */
  dropped = 0
  sent = 0
  /** The child's own price and subtree, from its last reply. */
  price = 0
  listeners = 0
  relays = 1
  readonly options: ChildQueueOptions

  constructor (
    readonly contact: Contact,
    private readonly push: Push,
    /** The child refused a push or stopped answering: the caller removes it. */
    private readonly onGone: (why: 'refused' | 'unreachable') => void,
    options: Partial<ChildQueueOptions> = {}
  ) {
    this.options = { ...DEFAULT_CHILD_QUEUE, ...options }
  }

  get length (): number { return this.queue.length }

  /** The time-out the next push gets. */
  get timeoutMs (): number {
    const o = this.options
    return this.srtt === undefined ? o.maxTimeoutMs : Math.min(o.maxTimeoutMs, Math.max(o.minTimeoutMs, 4 * this.srtt))
  }

  enqueue (segment: Buffer): void {
    if (this.closed) return
    if (this.queue.length >= this.options.maxQueue) { this.queue.shift(); this.dropped++ }
    this.queue.push(segment)
    this.pump()
  }

  close (): void {
    this.closed = true
    this.queue.length = 0
  }

  private pump (): void {
    while (!this.closed && this.flying < this.options.inFlight && this.queue.length > 0) {
      const seg = this.queue.shift() as Buffer
      this.flying++
      void this.send(seg, 1).finally(() => { this.flying--; this.pump() })
    }
  }

  private async send (seg: Buffer, attempt: number): Promise<void> {
    let reply: PushReply
    const started = this.options.now()
    try {
      reply = await this.push(this.contact, seg, this.timeoutMs)
      const rtt = this.options.now() - started
      this.srtt = this.srtt === undefined ? rtt : 0.875 * this.srtt + 0.125 * rtt
    } catch {
      if (this.closed) return
      if (++this.failures >= this.options.maxFailures) { this.close(); this.onGone('unreachable'); return }
      // One more try only while nothing newer waits: a retry must not push fresher audio back.
      if (attempt < this.options.tries && this.queue.length < this.options.maxQueue / 2) await this.send(seg, attempt + 1)
      return
    }
    if (this.closed) return
    this.failures = 0
    if (!reply.taken) { this.close(); this.onGone('refused'); return }
    this.sent++
    this.price = reply.price
    this.listeners = reply.listeners
    this.relays = reply.relays
  }
}
