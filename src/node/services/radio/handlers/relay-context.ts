import type { Contact } from '../../../routing/contact.js'
import type { StationFeed } from '../station-feed.js'
import type { Segment } from '../segment.js'
import type { WindowVerdict } from '../replay-window.js'

/** What the inbound message handlers need from the radio service (and nothing more). */
export interface RelayContext {
  readonly self: Contact
  readonly feeds: ReadonlyMap<string, StationFeed>
  /** Local clock (stall timers). */
  now: () => number
  /** Wall-clock ms (segment timestamps are checked against it). */
  wallNow: () => number
  /** Children this feed may still take now (upload budget). */
  freeSlots: (feed: StationFeed) => number
  /** The most children a feed of this node may have (the price's load part). */
  capacity: (feed: StationFeed) => number
  addChild: (feed: StationFeed, child: Contact, burst: boolean) => void
  removeChild: (feed: StationFeed, childHex: string) => void
  /** A node near the station id asked this node to relay it: a feed with `from` as upstream, or undefined when over budget. */
  adopt: (station: Buffer, from: Contact) => StationFeed | undefined
  /** The upstream stopped being one (loop, refusal, stall): look for another. */
  lostUpstream: (feed: StationFeed, why: string) => void
  /** Window check, caches, fan-out, consumers. */
  accept: (feed: StationFeed, seg: Segment) => WindowVerdict
}
