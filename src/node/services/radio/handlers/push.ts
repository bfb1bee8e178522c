import type { Contact } from '../../../routing/contact.js'
import { tryDecode } from '../../../wire/codec.js'
import { MAX_DEPTH, pathId, type PushReply } from '../messages.js'
import { decodeSegment, verifySegment } from '../segment.js'
import type { RelayContext } from './relay-context.js'

/**
 * PUSH: a segment (or a 32-byte "hold": the station id alone) from a parent.
 * Taken only from this feed's upstream (or the node a join is subscribing
 * to right now); anyone else is told to stop, so an old parent that missed
 * our LEAVE does not feed us twice. The window is checked before the
 * signature: a duplicate costs a lookup, not a verification. A path through
 * this node means the tree closed a loop: we leave that parent.
 */
export function handlePush (ctx: RelayContext, path: Buffer[], bytes: Buffer, from: Contact, candidate: (feedHex: string) => Contact | undefined): PushReply {
  const hold = bytes.length === 32
  const seg = hold ? undefined : tryDecode(decodeSegment, bytes)
  const station = hold ? bytes : seg?.station
  const feed = station === undefined ? undefined : ctx.feeds.get(station.toString('hex'))
  const refuse: PushReply = { taken: false, price: 0, listeners: 0, relays: 0 }
  if (feed === undefined || feed.state === 'broadcasting' || feed.state === 'closed') return refuse
  const fromUpstream = feed.upstream?.id.equals(from.id) === true
  if (!fromUpstream && candidate(feed.hex)?.id.equals(from.id) !== true) return refuse
  const me = pathId(ctx.self.id)
  if (path.some(p => p.equals(me)) || path.length > MAX_DEPTH) {
    if (fromUpstream) ctx.lostUpstream(feed, 'loop')
    return refuse
  }
  if (fromUpstream) {
    feed.path = [...path, me]
    feed.lastUpstreamAt = ctx.now()
  }
  if (seg !== undefined) {
    const verdict = feed.window.check(seg.seq, seg.timestampMs, ctx.wallNow())
    if (verdict !== 'ok') feed.refused[verdict] = (feed.refused[verdict] ?? 0) + 1
    else if (!verifySegment(seg)) feed.refused['bad-signature'] = (feed.refused['bad-signature'] ?? 0) + 1
    else ctx.accept(feed, seg)
  } else if (!hold) {
    feed.refused.malformed = (feed.refused.malformed ?? 0) + 1
  }
  return { taken: true, price: feed.price(ctx.capacity(feed)), ...feed.subtree() }
}
