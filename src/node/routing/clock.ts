/**
 * Time as the routing code sees it, so the same lookup and table code runs on
 * real timers and on the simulator's virtual clock.
 */
export interface Clock {
  now (): number
  /** Calls fn after ms; the returned function cancels it. Real timers are unref'd. */
  setTimer (ms: number, fn: () => void): () => void
}

export const systemClock: Clock = {
  now: () => Date.now(),
  setTimer (ms, fn) {
    const t = setTimeout(fn, ms)
    t.unref()
    return () => clearTimeout(t)
  }
}
