/**
 * A binary min-heap of timed events. Ties on time are broken by insertion
 * order, so the run order never depends on heap internals: the simulator is
 * deterministic. Cancelled events stay in the heap and are skipped when they
 * come due (cheaper than removing from the middle).
 */
export interface ScheduledEvent {
  time: number
  seq: number
  fn: () => void
  cancelled: boolean
}

export class EventQueue {
  private readonly heap: ScheduledEvent[] = []
  private seq = 0

  get size (): number { return this.heap.length }

  push (time: number, fn: () => void): ScheduledEvent {
    const e: ScheduledEvent = { time, seq: this.seq++, fn, cancelled: false }
    const h = this.heap
    h.push(e)
    let i = h.length - 1
    while (i > 0) {
      const p = (i - 1) >> 1
      if (!before(e, h[p])) break
      h[i] = h[p]; i = p
    }
    h[i] = e
    return e
  }

  peek (): ScheduledEvent | undefined { return this.heap[0] }

  pop (): ScheduledEvent | undefined {
    const h = this.heap
    if (h.length === 0) return undefined
    const top = h[0]
    const last = h.pop() as ScheduledEvent
    if (h.length > 0) {
      let i = 0
      const n = h.length
      for (;;) {
        const l = 2 * i + 1
        if (l >= n) break
        const r = l + 1
        const c = r < n && before(h[r], h[l]) ? r : l
        if (!before(h[c], last)) break
        h[i] = h[c]; i = c
      }
      h[i] = last
    }
    return top
  }
}

function before (a: ScheduledEvent, b: ScheduledEvent): boolean {
  return a.time < b.time || (a.time === b.time && a.seq < b.seq)
}
