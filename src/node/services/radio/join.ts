import type { Contact } from '../../routing/contact.js'
import { VALUE_KIND, type ServiceNetwork } from '../service-network.js'
import { MAX_ALTERNATIVES, MAX_DEPTH, pathId, type Alternative, type Offer, type SubscribeReply } from './messages.js'

/**
 * Finding a parent for a station: FIND_VALUE of kind station toward the
 * station id stops at the first node on the path that carries it, and its
 * offer is the first candidate. A full relay answers with its children as
 * alternatives; the joiner always tries the cheapest candidate it knows
 * (the seed's price: dearer toward the source and with load) and refuses
 * any whose path runs through itself (that would be a loop under its own
 * subtree). A re-join starts from the spare candidates of the last join
 * (siblings and cousins in the tree: no lookup, one round trip each) and
 * looks the station up only when none of them takes it. Pure of timers; the
 * caller retries and bounds it.
 */
export interface JoinDeps {
  network: ServiceNetwork
  /** Sends SUBSCRIBE; rejects when the node does not answer. */
  subscribe: (to: Contact, station: Buffer) => Promise<SubscribeReply>
  /** Decodes and checks an offer (signed info of this station), or undefined. */
  checkOffer: (station: Buffer, value: Buffer) => Offer | undefined
  /** Told before each SUBSCRIBE: pushes from this node are taken while it answers. */
  onCandidate?: (c: Contact | undefined) => void
}

export interface Joined {
  parent: Contact
  offer: Offer
  tried: number
  /** Candidates met and not tried: where a re-join looks first, before any lookup. */
  spare: Alternative[]
}

/** Most SUBSCRIBEs one join sends before it gives up (the caller may start another). */
export const MAX_JOIN_TRIES = 8

export async function joinStation (deps: JoinDeps, station: Buffer, opts: { avoid?: Set<string>, spare?: Alternative[], signal?: AbortSignal } = {}): Promise<Joined | undefined> {
  const self = deps.network.self
  const me = pathId(self.id)
  const loops = (o: Offer): boolean => o.path.some(p => p.equals(me)) || o.path.length > MAX_DEPTH
  const candidates = new Map<string, { contact: Contact, price: number }>()
  const tried = new Set<string>(opts.avoid ?? [])
  tried.add(self.id.toString('hex'))

  for (const a of opts.spare ?? []) candidates.set(a.contact.id.toString('hex'), a)
  let looked = false
  const lookUp = async (): Promise<void> => {
    looked = true
    const found = await deps.network.findValue(station, VALUE_KIND.station, { signal: opts.signal })
    if (found === undefined) return
    const offer = deps.checkOffer(station, found.value)
    if (offer !== undefined && !loops(offer)) candidates.set(found.from.id.toString('hex'), { contact: found.from, price: offer.price })
  }
  if (candidates.size === 0) await lookUp()
  let sent = 0
  while (sent < MAX_JOIN_TRIES && opts.signal?.aborted !== true) {
    let best: { hex: string, contact: Contact, price: number } | undefined
    for (const [hex, c] of candidates) if (!tried.has(hex) && (best === undefined || c.price < best.price)) best = { hex, ...c }
    if (best === undefined && !looked) { await lookUp(); continue }
    if (best === undefined) return undefined
    tried.add(best.hex)
    sent++
    deps.onCandidate?.(best.contact)
    let reply: SubscribeReply
    try {
      reply = await deps.subscribe(best.contact, station)
    } catch {
      continue // dead or unreachable: the next cheapest
    } finally {
      deps.onCandidate?.(undefined)
    }
    if (reply.status === 'accepted' && reply.offer !== undefined && !loops(reply.offer)) {
      const spare = [...candidates].filter(([hex]) => !tried.has(hex)).map(([, c]) => c).slice(0, MAX_ALTERNATIVES)
      return { parent: best.contact, offer: reply.offer, tried: sent, spare }
    }
    for (const a of reply.alternatives) {
      const hex = a.contact.id.toString('hex')
      if (!tried.has(hex) && !candidates.has(hex)) candidates.set(hex, a)
    }
  }
  return undefined
}
