/**
 * Chunks cached after a download are announced a few at a time, and while this node's own
 * downloads run, one at a time at most every `busyGapMs`: each announcement is a lookup plus
 * a signed record to k nodes, which the user's download would otherwise share its CPU and
 * links with. Past the bound they wait for the next republish round.
 */
export interface AnnounceQueueOptions {
  /** Announces one chunk; failures are the announcer's to count. */
  announce: (id: Buffer) => Promise<unknown>
  /** False while the service is stopped: nothing is queued or started then. */
  running: () => boolean
  maxQueued?: number
  parallel?: number
  busyGapMs?: number
}

const MAX_ANNOUNCE_QUEUE = 1024
const ANNOUNCE_PARALLEL = 2
const ANNOUNCE_BUSY_GAP_MS = 1000

export class AnnounceQueue {
  private readonly queue = new Set<string>()
  private announcing = 0
  private downloading = 0
  private lastAnnounce = -Infinity
  private timer: NodeJS.Timeout | undefined
  private readonly maxQueued: number
  private readonly parallel: number
  private readonly busyGapMs: number

  constructor (private readonly o: AnnounceQueueOptions) {
    this.maxQueued = o.maxQueued ?? MAX_ANNOUNCE_QUEUE
    this.parallel = o.parallel ?? ANNOUNCE_PARALLEL
    this.busyGapMs = o.busyGapMs ?? ANNOUNCE_BUSY_GAP_MS
  }

  add (id: Buffer): void {
    if (!this.o.running() || this.queue.size >= this.maxQueued) return
    this.queue.add(id.toString('hex'))
    this.pump()
  }

  /** Runs one of this node's own downloads, holding announcements back meanwhile. */
  async asDownload<T>(work: () => Promise<T>): Promise<T> {
    this.downloading++
    try {
      return await work()
    } finally {
      if (--this.downloading === 0) this.pump()
    }
  }

  /** Drops what waits (a stop); announcements under way end with the service's lifetime signal. */
  clear (): void {
    this.queue.clear()
    if (this.timer !== undefined) clearTimeout(this.timer)
    this.timer = undefined
  }

  private pump (): void {
    while (this.o.running() && this.queue.size > 0) {
      if (this.downloading > 0) {
        const wait = this.lastAnnounce + this.busyGapMs - Date.now()
        if (this.announcing > 0 || wait > 0) {
          if (this.announcing === 0 && this.timer === undefined) {
            this.timer = setTimeout(() => { this.timer = undefined; this.pump() }, wait)
            this.timer.unref()
          }
          return
        }
      } else if (this.announcing >= this.parallel) {
        return
      }
      const hex = this.queue.values().next().value as string
      this.queue.delete(hex)
      this.announcing++
      this.lastAnnounce = Date.now()
      void this.o.announce(Buffer.from(hex, 'hex'))
        .catch(() => {})
        .finally(() => { this.announcing--; this.pump() })
    }
  }
}
