import { TunnelError, TunnelErrorCode } from './errors.js'

/**
 * Window-based flow control, Tor's numbers: a sender may have at most
 * CIRCUIT_WINDOW data cells of a circuit and STREAM_WINDOW of a stream
 * unacknowledged; the receiver acknowledges with a SENDME every
 * CIRCUIT_SENDME (circuit) or STREAM_SENDME (stream) cells. A peer that sends
 * past its window is breaking the protocol (and would make us buffer without
 * bound): the circuit is torn down.
 */
export const CIRCUIT_WINDOW = 1000
export const CIRCUIT_SENDME = 100
export const STREAM_WINDOW = 500
export const STREAM_SENDME = 50

/** One direction pair of one window: what we may still send, what we still owe an acknowledgement for. */
export class Window {
  /** Data cells we may still send before the peer's next SENDME. */
  package: number
  /** Data cells the peer may still send us before our next SENDME. */
  deliver: number
  /** Cells received and consumed but not yet acknowledged. */
  private unacked = 0
  private waiters: Array<() => void> = []

  constructor (readonly size: number, readonly increment: number) {
    this.package = size
    this.deliver = size
  }

  get canSend (): boolean { return this.package > 0 }

  /** A data cell left; call only when canSend. */
  sent (): void {
    if (this.package <= 0) throw new TunnelError(TunnelErrorCode.LIMIT, 'flow control: sent past the window')
    this.package--
  }

  /** A data cell arrived; false when the peer overran the window (a protocol violation). */
  received (): boolean {
    if (this.deliver <= 0) return false
    this.deliver--
    return true
  }

  /** `n` received cells were consumed; returns how many SENDMEs to send now. */
  consumed (n = 1): number {
    this.unacked += n
    let sendmes = 0
    while (this.unacked >= this.increment) {
      this.unacked -= this.increment
      this.deliver += this.increment
      sendmes++
    }
    return sendmes
  }

  /** A SENDME arrived; false when it acknowledges more than was sent (a protocol violation). */
  acknowledged (): boolean {
    if (this.package + this.increment > this.size) return false
    this.package += this.increment
    const w = this.waiters
    this.waiters = []
    for (const f of w) f()
    return true
  }

  /** Resolves when a cell may be sent (at once if it may now). */
  async ready (): Promise<void> {
    if (this.package > 0) return
    await new Promise<void>(resolve => this.waiters.push(resolve))
  }

  /** Wakes every waiter (the circuit or stream closed; they check why). */
  release (): void {
    const w = this.waiters
    this.waiters = []
    for (const f of w) f()
  }
}
