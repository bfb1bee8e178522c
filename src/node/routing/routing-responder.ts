import { tryDecode } from '../wire/codec.js'
import {
  decodeRoutingMessage, encodeRoutingMessage, MAX_VALUE_BYTES, type FindRequest, type RoutingMessage
} from '../wire/routing-messages.js'
import type { Contact } from './contact.js'
import type { RoutingTable } from './routing-table.js'
import type { DemandCounter } from './demand-counter.js'
import type { ValueProvider } from './value-provider.js'
import { idFingerprint, idsEqual } from './distance.js'
import { RoutingError, RoutingErrorCode } from './errors.js'
import { contactToWire } from './wire-contact.js'

/**
 * Answers DHT requests from other nodes. Replies carry the requested number of
 * closest contacts minus the ones the requester says it knows (no refill: the
 * point is to send less), and never the requester itself. A FIND_VALUE we
 * cannot answer bumps the key's demand counter and reports it.
 */
export interface RoutingResponderDeps {
  self: () => Contact
  table: RoutingTable
  demand: DemandCounter
  providers: Map<number, ValueProvider>
  now: () => number
}

export async function handleRoutingRequest (deps: RoutingResponderDeps, from: Contact, payload: Buffer): Promise<Buffer> {
  const m = tryDecode(decodeRoutingMessage, payload)
  if (m === undefined) throw new RoutingError(RoutingErrorCode.badRequest, 'dht: malformed request dropped')
  return encodeRoutingMessage(await answer(deps, from, m))
}

async function answer (deps: RoutingResponderDeps, from: Contact, m: RoutingMessage): Promise<RoutingMessage> {
  switch (m.type) {
    case 'ping':
      return { type: 'pong', self: contactToWire(deps.self(), true), observed: from.endpoint }
    case 'find':
      return await answerFind(deps, from, m.request)
    case 'cacheValue': {
      const p = deps.providers.get(m.kind)
      let accepted = false
      if (p?.cache !== undefined) {
        try { accepted = await p.cache(m.target, m.value, from) } catch { accepted = false }
      }
      return { type: 'cacheAck', accepted }
    }
    default:
      throw new RoutingError(RoutingErrorCode.badRequest, `dht: ${m.type} is a reply, not a request`)
  }
}

async function answerFind (deps: RoutingResponderDeps, from: Contact, r: FindRequest): Promise<RoutingMessage> {
  if (r.kind !== 0) {
    const p = deps.providers.get(r.kind)
    let value: Buffer | undefined
    if (p !== undefined) {
      try { value = await p.get(r.target) } catch { value = undefined }
    }
    if (value !== undefined && value.length <= MAX_VALUE_BYTES) {
      deps.demand.clear(r.target)
      return { type: 'value', kind: r.kind, value }
    }
    // One vote per asking peer: repeating a query must not inflate the count others stop on.
    const notFound = deps.demand.miss(r.target, deps.now(), from.id.length > 0 ? from.id : undefined)
    if (p?.onMiss !== undefined) {
      try { p.onMiss(r.target, from, notFound) } catch { /* a provider hook must not break the reply */ }
    }
    return { type: 'notFoundCount', notFound, contacts: closestFor(deps, from, r) }
  }
  return { type: 'nodes', contacts: closestFor(deps, from, r) }
}

function closestFor (deps: RoutingResponderDeps, from: Contact, r: FindRequest): ReturnType<typeof contactToWire>[] {
  const known = new Set(r.known)
  const fromId = from.id
  const picked = deps.table.closest(r.target, r.count, c => fromId.length > 0 && idsEqual(c.id, fromId))
  return picked.filter(c => !known.has(idFingerprint(c.id))).map(c => contactToWire(c, r.wantKeys, r.wantNonces === true))
}
