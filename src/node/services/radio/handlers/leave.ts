import type { Contact } from '../../../routing/contact.js'
import type { RelayContext } from './relay-context.js'

/** LEAVE: a child no longer wants the station from us. */
export function handleLeave (ctx: RelayContext, station: Buffer, from: Contact): void {
  const feed = ctx.feeds.get(station.toString('hex'))
  if (feed !== undefined) ctx.removeChild(feed, from.id.toString('hex'))
}
