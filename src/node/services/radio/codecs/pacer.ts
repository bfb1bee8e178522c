import { setTimeout as delay } from 'node:timers/promises'

/**
 * Real-time pacing: a segment may go out when the audio before it has had
 * time to play, measured on a monotonic clock against the summed frame
 * durations (never the file size), plus a small lead so that listeners'
 * buffers stay ahead of playback. A stall (a slow pipe on stdin) does not
 * make the pacer burst later to catch up: the schedule moves, and at most
 * the lead goes out at once.
 */
export interface PacerClock {
  /** Monotonic milliseconds. */
  now: () => number
  sleep: (ms: number, signal?: AbortSignal) => Promise<void>
}

export const DEFAULT_LEAD_MS = 1000
/** Lateness past the lead that counts as a stall of the input rather than timer jitter. */
export const STALL_MS = 250

export class Pacer {
  private startedAt: number | undefined
  private playedMs = 0

  constructor (
    private readonly clock: PacerClock,
    private readonly leadMs = DEFAULT_LEAD_MS
  ) {}

  /** Audio sent so far, ms of play time. */
  get sentMs (): number { return this.playedMs }

  /** Waits until a segment of `durationMs` may be sent, then counts it as sent. */
  async next (durationMs: number, signal?: AbortSignal): Promise<void> {
    const now = this.clock.now()
    this.startedAt ??= now
    const dueAt = this.startedAt + this.playedMs - this.leadMs
    // Late by more than timer jitter (the input stalled): re-anchor so we do not burst to catch up.
    if (now - dueAt > this.leadMs + STALL_MS) this.startedAt = now - this.playedMs
    else if (dueAt > now) await this.clock.sleep(dueAt - now, signal)
    this.playedMs += durationMs
  }
}

/** The process's monotonic clock. */
export const systemPacerClock: PacerClock = {
  now: () => performance.now(),
  sleep: async (ms, signal) => { await delay(ms, undefined, { signal }) }
}
