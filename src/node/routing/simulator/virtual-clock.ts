import type { Clock } from '../clock.js'
import { EventQueue } from './event-queue.js'
import { RoutingError, RoutingErrorCode } from '../errors.js'

/**
 * Virtual time in ms. Nothing happens until `drive` runs the queue: it pops
 * the next event, moves time to it, runs it, and lets the promise callbacks it
 * triggered finish (one macrotask turn) before the next event, so async code
 * such as the lookup runner advances exactly as it would on real timers, only
 * deterministically and as fast as the CPU allows.
 */
export class VirtualClock implements Clock {
  readonly queue = new EventQueue()
  private time = 0
  /** Events run so far (cancelled ones not counted). */
  events = 0

  now (): number { return this.time }

  setTimer (ms: number, fn: () => void): () => void {
    const e = this.queue.push(this.time + Math.max(0, ms), fn)
    return () => { e.cancelled = true }
  }

  /** Runs events until `promise` settles; rejects if the queue empties first (a deadlock). */
  async drive<T> (promise: Promise<T>, maxTime = Number.POSITIVE_INFINITY): Promise<T> {
    let settled = false
    const p = promise.finally(() => { settled = true })
    p.catch(() => undefined)
    await turn()
    while (!settled) {
      const e = this.queue.pop()
      if (e === undefined) throw new RoutingError(RoutingErrorCode.aborted, 'virtual clock: no events left but the awaited work has not finished')
      if (e.cancelled) continue
      if (e.time > maxTime) throw new RoutingError(RoutingErrorCode.aborted, `virtual clock: passed ${maxTime} ms`)
      this.time = e.time
      this.events++
      e.fn()
      await turn()
    }
    return await p
  }

  /** Runs all events due up to `until` (for background activity such as refresh timers). */
  async runUntil (until: number): Promise<void> {
    for (;;) {
      const e = this.queue.peek()
      if (e === undefined || e.time > until) break
      this.queue.pop()
      if (e.cancelled) continue
      this.time = e.time
      this.events++
      e.fn()
      await turn()
    }
    if (this.time < until) this.time = until
  }
}

async function turn (): Promise<void> {
  await new Promise<void>(resolve => { setImmediate(resolve) })
}
