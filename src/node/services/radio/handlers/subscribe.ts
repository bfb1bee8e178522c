import type { Contact } from '../../../routing/contact.js'
import { MAX_ALTERNATIVES, pathId, type SubscribeReply } from '../messages.js'
import type { RelayContext } from './relay-context.js'

/**
 * SUBSCRIBE: a listener or relay asks this node to feed it a station.
 * Accepted while the upload budget lasts; when full, the answer lists this
 * node's children, cheapest first, as the places to go instead (the tree
 * grows a level). An ancestor of ours asking is refused: it would make a loop.
 */
export function handleSubscribe (ctx: RelayContext, station: Buffer, from: Contact, burst: boolean): SubscribeReply {
  const feed = ctx.feeds.get(station.toString('hex'))
  const offer = feed?.offer(ctx.capacity(feed))
  if (feed === undefined || offer === undefined) return { status: 'not-carrying', alternatives: [] }
  const fromHex = from.id.toString('hex')
  if (feed.path.some(p => p.equals(pathId(from.id)))) return { status: 'loop', alternatives: [] }
  if (!feed.children.has(fromHex) && ctx.freeSlots(feed) <= 0) {
    const alternatives = [...feed.children.values()]
      .filter(c => !c.contact.id.equals(from.id))
      .sort((a, b) => a.price - b.price)
      .slice(0, MAX_ALTERNATIVES)
      .map(c => ({ contact: c.contact, price: c.price }))
    return { status: 'full', offer, alternatives }
  }
  // A child asking again (it re-joined after a hiccup) gets a fresh burst on its old queue.
  ctx.addChild(feed, from, burst)
  return { status: 'accepted', offer: feed.offer(ctx.capacity(feed)), alternatives: [] }
}
