import type { Contact } from '../../../routing/contact.js'
import type { SubscribeReply } from '../messages.js'
import type { RelayContext } from './relay-context.js'

/**
 * ADOPT: a broadcaster asks this node, one of the nearest to the station id,
 * to be a root relay (FIND_VALUE toward the id converges here, so roots are
 * where lookups that met no other relay end). The broadcaster becomes the
 * feed's upstream; a segment it sends is signed like any, so a false
 * "broadcaster" can at worst feed nothing, and then the stall timer moves us on.
 */
export function handleAdopt (ctx: RelayContext, station: Buffer, from: Contact): SubscribeReply {
  const existing = ctx.feeds.get(station.toString('hex'))
  if (existing?.state === 'broadcasting') return { status: 'not-carrying', alternatives: [] }
  const feed = ctx.adopt(station, from)
  if (feed === undefined) return { status: 'full', alternatives: [] }
  return { status: 'accepted', alternatives: [] }
}
