import type { Listening, ListenEnd, StationInfo, VerifiedSegment } from './radio-api.js'
import type { StationFeed } from './station-feed.js'

/**
 * One local consumer's view of a shared station feed. Events are wired to
 * the feed per handle, so closing one consumer removes exactly its own
 * listeners; the service is told, and leaves the tree when the last one goes
 * (unless the node still feeds children).
 */
export class ListeningHandle implements Listening {
  private closed = false
  private readonly segmentFns = new Set<(s: VerifiedSegment) => void>()
  private readonly endFns = new Set<(why: ListenEnd) => void>()

  constructor (private readonly feed: StationFeed, private readonly onClose: (feed: StationFeed) => void) {
    feed.consumers++
    feed.on('segment', this.onSegment)
    feed.on('end', this.onEnd)
  }

  get station (): StationInfo { return this.feed.stationInfo() }

  init (): Buffer | undefined { return this.feed.init?.payload }
  recent (): VerifiedSegment[] { return this.feed.verified(this.feed.recentAudio) }
  posts (): VerifiedSegment[] { return this.feed.verified(this.feed.postList) }

  private readonly onSegment = (s: VerifiedSegment): void => {
    for (const fn of this.segmentFns) fn(s)
  }

  private readonly onEnd = (why: ListenEnd): void => {
    for (const fn of this.endFns) fn(why)
    this.detach()
  }

  on (event: 'segment', fn: (s: VerifiedSegment) => void): void
  on (event: 'end', fn: (why: ListenEnd) => void): void
  on (event: 'segment' | 'end', fn: ((s: VerifiedSegment) => void) | ((why: ListenEnd) => void)): void {
    if (event === 'segment') this.segmentFns.add(fn as (s: VerifiedSegment) => void)
    else this.endFns.add(fn as (why: ListenEnd) => void)
  }

  off (event: 'segment', fn: (s: VerifiedSegment) => void): void
  off (event: 'end', fn: (why: ListenEnd) => void): void
  off (event: 'segment' | 'end', fn: ((s: VerifiedSegment) => void) | ((why: ListenEnd) => void)): void {
    if (event === 'segment') this.segmentFns.delete(fn as (s: VerifiedSegment) => void)
    else this.endFns.delete(fn as (why: ListenEnd) => void)
  }

  close (): void {
    if (this.closed) return
    this.detach()
    this.onClose(this.feed)
  }

  private detach (): void {
    if (this.closed) return
    this.closed = true
    this.feed.off('segment', this.onSegment)
    this.feed.off('end', this.onEnd)
    this.feed.consumers--
    this.segmentFns.clear()
    this.endFns.clear()
  }
}
