import type { SliceStream } from './slice-stream.js'

/**
 * Slice streams kept open between chunk downloads, per peer. A large file is fetched chunk by
 * chunk from the same few providers; opening a fresh stream per chunk and provider cost a
 * round trip (STREAM_OPEN / ACCEPT), a FIN exchange at the end and a congestion window that
 * starts small every time. A stream whose download ended cleanly (every slice asked for
 * arrived, nothing else pending) goes back here and the next download to that peer takes it.
 *
 * Bounds: at most `maxPerPeer` idle streams per peer and `maxIdle` in all (past them a
 * stream is closed, gracefully); an idle stream is closed after `idleMs` (well inside the
 * serving side's own idle timeout, so a stream taken from here is normally still open). A
 * stream that went bad while idle (the peer closed it or sent something unasked) is closed
 * when it is next taken or swept, never handed out.
 */
export interface StreamPoolOptions {
  maxIdle?: number
  maxPerPeer?: number
  idleMs?: number
  now?: () => number
}

interface Idle { stream: SliceStream, since: number }

export class SliceStreamPool {
  private readonly idle = new Map<string, Idle[]>()
  private size = 0
  private timer: NodeJS.Timeout | undefined
  private readonly maxIdle: number
  private readonly maxPerPeer: number
  private readonly idleMs: number
  private readonly now: () => number
  /** Streams handed out again instead of opened. */
  reused = 0

  constructor (o: StreamPoolOptions = {}) {
    this.maxIdle = o.maxIdle ?? 32
    this.maxPerPeer = o.maxPerPeer ?? 4
    this.idleMs = o.idleMs ?? 5000
    this.now = o.now ?? Date.now
  }

  get idleCount (): number { return this.size }

  /** An idle, healthy stream to `peer` (most recently used first), or undefined. */
  take (peer: string): SliceStream | undefined {
    const list = this.idle.get(peer)
    while (list !== undefined && list.length > 0) {
      const e = list.pop() as Idle
      this.size--
      if (list.length === 0) this.idle.delete(peer)
      if (e.stream.reusable) {
        this.reused++
        return e.stream
      }
      e.stream.close(false)
    }
    return undefined
  }

  /** Returns a stream after a clean download; anything else (or past the bounds) is closed. */
  give (peer: string, stream: SliceStream): void {
    const list = this.idle.get(peer) ?? []
    if (!stream.reusable || list.length >= this.maxPerPeer || this.size >= this.maxIdle) {
      stream.close(stream.reusable)
      return
    }
    list.push({ stream, since: this.now() })
    this.idle.set(peer, list)
    this.size++
    this.arm()
  }

  /** Closes every idle stream (the service stops). */
  clear (): void {
    if (this.timer !== undefined) clearTimeout(this.timer)
    this.timer = undefined
    for (const list of this.idle.values()) for (const e of list) e.stream.close(true)
    this.idle.clear()
    this.size = 0
  }

  private arm (): void {
    if (this.timer !== undefined) return
    this.timer = setTimeout(() => { this.timer = undefined; this.sweep() }, this.idleMs)
    this.timer.unref()
  }

  private sweep (): void {
    const cutoff = this.now() - this.idleMs
    for (const [peer, list] of this.idle) {
      const keep = list.filter(e => e.since > cutoff && e.stream.reusable)
      for (const e of list) if (!keep.includes(e)) e.stream.close(e.stream.reusable)
      this.size -= list.length - keep.length
      if (keep.length === 0) this.idle.delete(peer)
      else this.idle.set(peer, keep)
    }
    if (this.size > 0) this.arm()
  }
}
