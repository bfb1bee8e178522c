import { AccountingError, AccountingErrorCode } from './errors.js'

/**
 * Weighted fair queuing of requests (slices, lookups, relays) by the requester's standing.
 * While fewer than `capacity` jobs run, every request starts at once: an idle node serves
 * everyone alike. Beyond that, requests wait and start in order of their virtual finish time
 * (start = max(virtual time, the requester's last finish), finish = start + cost / weight),
 * the classic WFQ tag: a requester of weight 8 gets about eight times the service of one of
 * weight 1 while both are backlogged, and since every weight is at least 1 and tags only
 * grow, nobody waits forever. Pure: no timers, no I/O; `start` callbacks run synchronously.
 */
export interface FairSchedulerOptions {
  /** Jobs running at once before requests queue. */
  capacity: number
  /** Requests that may wait; beyond it `submit` refuses (the caller answers "busy"). */
  maxQueued: number
  /** The requester's weight (≥ 1; smaller values count as 1). */
  weightOf: (requester: string) => number
}

interface Waiting { requester: string, begin: number, cost: number, finish: number, order: number, start: () => void }

export class FairScheduler {
  private running = 0
  private virtualTime = 0
  private order = 0
  private readonly lastFinish = new Map<string, number>()
  /** A binary heap by (finish, order). */
  private readonly heap: Waiting[] = []

  constructor (private readonly o: FairSchedulerOptions) {
    if (!(o.capacity >= 1) || !(o.maxQueued >= 0)) throw new AccountingError(AccountingErrorCode.INVALID_ARGUMENT, 'capacity must be ≥ 1 and maxQueued ≥ 0')
  }

  get active (): number { return this.running }
  get queued (): number { return this.heap.length }

  /**
   * Asks to run a job of `cost` (bytes, say) for `requester`: `start` runs now or when its
   * turn comes; the job calls `done()` when finished. False when the queue is full.
   */
  submit (requester: string, cost: number, start: () => void): boolean {
    const weight = Math.max(1, this.o.weightOf(requester) || 1)
    const begin = Math.max(this.virtualTime, this.lastFinish.get(requester) ?? 0)
    const finish = begin + Math.max(0, cost) / weight
    if (this.running < this.o.capacity && this.heap.length === 0) {
      this.note(requester, finish)
      this.running++
      start()
      return true
    }
    if (this.heap.length >= this.o.maxQueued) return false
    this.note(requester, finish)
    this.push({ requester, begin, cost: Math.max(0, cost), finish, order: this.order++, start })
    return true
  }

  /**
   * The requester's standing changed while its requests wait (it answered this node's probe,
   * say): their finish tags are computed again with its weight now. O(queued).
   */
  reweigh (requester: string): void {
    let touched = false
    let last = -Infinity
    const weight = Math.max(1, this.o.weightOf(requester) || 1)
    for (const w of this.heap) {
      if (w.requester !== requester) continue
      w.finish = w.begin + w.cost / weight
      last = Math.max(last, w.finish)
      touched = true
    }
    if (!touched) return
    this.lastFinish.set(requester, last)
    for (let i = (this.heap.length >> 1) - 1; i >= 0; i--) this.siftDown(i)
  }

  /** Whether `requester` has a request waiting. */
  waiting (requester: string): boolean { return this.heap.some(w => w.requester === requester) }

  /** A job started by `submit` has finished: the next in line starts. */
  done (): void {
    if (this.running > 0) this.running--
    while (this.running < this.o.capacity && this.heap.length > 0) {
      const next = this.pop()
      // Start-time fair queuing: the virtual time is the start tag of the job now served.
      this.virtualTime = Math.max(this.virtualTime, next.begin)
      this.running++
      next.start()
    }
    if (this.running === 0 && this.heap.length === 0) {
      // Idle: what was served while nobody waited is no debt to anyone; start afresh.
      this.lastFinish.clear()
      this.virtualTime = 0
    }
  }

  private note (requester: string, finish: number): void {
    this.lastFinish.set(requester, finish)
    // Bounded by the requesters that matter: those whose tag is ahead of the virtual time.
    if (this.lastFinish.size > 4 * (this.o.capacity + this.o.maxQueued) + 64) this.forgetIdle()
  }

  /** Tags at or behind the virtual time change nothing (max(V, tag) = V): drop them. */
  private forgetIdle (): void {
    for (const [k, f] of this.lastFinish) if (f <= this.virtualTime) this.lastFinish.delete(k)
  }

  private less (a: Waiting, b: Waiting): boolean { return a.finish < b.finish || (a.finish === b.finish && a.order < b.order) }

  private push (w: Waiting): void {
    const h = this.heap
    h.push(w)
    let i = h.length - 1
    while (i > 0) {
      const p = (i - 1) >> 1
      if (!this.less(h[i], h[p])) break
      ;[h[i], h[p]] = [h[p], h[i]]
      i = p
    }
  }

  private pop (): Waiting {
    const h = this.heap
    const top = h[0]
    const last = h.pop() as Waiting
    if (h.length > 0) {
      h[0] = last
      this.siftDown(0)
    }
    return top
  }

  private siftDown (start: number): void {
    const h = this.heap
    let i = start
    for (;;) {
      const l = 2 * i + 1
      const r = l + 1
      let m = i
      if (l < h.length && this.less(h[l], h[m])) m = l
      if (r < h.length && this.less(h[r], h[m])) m = r
      if (m === i) break
      ;[h[i], h[m]] = [h[m], h[i]]
      i = m
    }
  }
}

/** Credit units one step of standing is counted in: 64 KiB at the cheapest price. */
export const STANDING_UNIT = 65_536
/** The weight of a peer this node has no books with, or books in balance. */
export const STRANGER_WEIGHT = 2
/** Debt (credit units) that halves a debtor's weight above 1: 16 MiB at the cheapest price. */
export const DEBT_UNIT = 16 << 20

/**
 * A requester's weight from this node's books with it: what it gave this node
 * (`contributedCredit`: priced service received from it, lookups and chunks alike, plus credit
 * it bought) and what it owes (`owedCredit`: what this node gave it, less the former).
 *
 *  - A stranger, or a peer whose books balance, weighs STRANGER_WEIGHT.
 *  - Each doubling of what it gave adds one (the logarithm over STANDING_UNIT), so one lookup
 *    answered lifts a peer above every stranger and 1 GB of chunks served weighs about 16:
 *    no standing can shut the others out.
 *  - A debtor that gave nothing sinks from STRANGER_WEIGHT towards 1 as its debt grows (halfway
 *    at DEBT_UNIT): a freeloader that has taken much from this node waits behind a stranger,
 *    the seed's "serves contributors first". A peer that gave anything never sinks below a
 *    stranger for its debt: it serves the network, and its line (credit-lines.ts) bounds it.
 *
 * Never below 1, so nobody starves (FairScheduler's guarantee).
 */
export function standingWeight (contributedCredit: number, owedCredit = 0): number {
  const gave = Math.max(0, contributedCredit)
  if (gave > 0) return STRANGER_WEIGHT + Math.log2(1 + gave / STANDING_UNIT)
  return 1 + (STRANGER_WEIGHT - 1) / (1 + Math.max(0, owedCredit) / DEBT_UNIT)
}
