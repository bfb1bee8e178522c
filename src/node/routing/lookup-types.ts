import type { Contact } from './contact.js'
import type { Clock } from './clock.js'
import type { RequestTimeouts } from './request-timeouts.js'

/** What the lookup runner (lookup.ts) takes, emits and returns. */
export interface LookupRequest {
  target: Buffer
  /** 0 = find node, else a value kind. */
  kind: number
  /** How many contacts to return. */
  count: number
  /** Fingerprints (idFingerprint) of ids we already hold near the target: the responder leaves them out. */
  known: number[]
}

export interface QueryResult {
  contacts: Contact[]
  value?: Buffer
  /** FIND_VALUE misses the responder has seen for this key (the seed's "not found" count). */
  notFound?: number
}

export type QueryFn = (contact: Contact, request: LookupRequest, signal: AbortSignal) => Promise<QueryResult>

export type LookupEvent =
  | { type: 'query', contact: Contact, depth: number }
  /** `contacts`: what the peer named (checked, at most the count asked): a reader may ask them before the lookup settles. */
  | { type: 'reply', contact: Contact, depth: number, rttMs: number, newContacts: number, contacts?: Contact[] }
  | { type: 'slow', contact: Contact }
  | { type: 'failure', contact: Contact, reason: string }
  | { type: 'lying', contact: Contact, reason: string }
  | { type: 'value', contact: Contact, depth: number }

/**
 * The seed's early stop for FIND_VALUE ("return the not found count ... so
 * they can stop searching sooner"): `quorum` answering nodes among the k
 * closest each reporting at least `count` (distinct askers who missed; see
 * DemandCounter).
 */
export interface NotFoundStop {
  count: number
  quorum: number
}

export interface LookupOptions {
  target: Buffer
  kind?: number
  /** Starting candidates, usually our own table's closest to the target. */
  seeds: Contact[]
  query: QueryFn
  clock: Clock
  rtt: RequestTimeouts
  /** Our id: never a candidate. */
  self?: Buffer
  k?: number
  alpha?: number
  /** Contacts asked of each peer (default k; more when peers are failing, see failureRate). */
  count?: number
  /**
   * Fraction of peers expected not to answer (from past lookups). Peers keep
   * dead contacts in their tables, so to end with k live nodes the lookup asks
   * its alpha closest peers for about k / (1 - rate) contacts, and for one more
   * per peer already found dead near the target. (Only those few: everyone
   * near the target would send the same extra contacts.)
   */
  failureRate?: number
  /**
   * Round trips the first request to a contact takes (default 1). The link
   * reaches a contact whose public key we hold in one (IK carries the
   * request); without the key it runs XX first and the reply comes after two.
   * Timeouts scale by it, and such a reply is not an RTT sample.
   */
  roundTrips?: (contact: Contact) => number
  /** Send fingerprints of already-known ids so replies leave them out (default true). */
  knownHints?: boolean
  /** Bound on requests sent by one lookup. */
  maxQueries?: number
  /** Attempts per peer among the k closest (1 = no retry). */
  maxAttempts?: number
  /** Bound on candidates remembered by one lookup. */
  maxCandidates?: number
  /**
   * The seed's early stop for FIND_VALUE: once `quorum` of the k closest
   * candidates that answered each report a not-found count of at least
   * `count`, the key has been searched for often and not found, and the
   * lookup ends without the final rounds (stoppedEarly). A quorum, and only
   * of peers among the current k closest, so that one liar, or a few far
   * from the key, cannot cut a lookup short. Off when absent.
   */
  notFoundStop?: NotFoundStop
  /**
   * Disjoint paths (S/Kademlia; default 1): the seeds are split among this many
   * lookups that never ask the same node, so that nodes answering with
   * garbage or with only each other capture the paths they sit on and not the
   * lookup. Costs about `paths` times the requests.
   */
  paths?: number
  /**
   * Vets each contact a reply names before it becomes a candidate (false:
   * dropped and counted as a lie), e.g. a rank proof below the network's minimum.
   */
  admitContact?: (contact: Contact) => boolean
  /** Validates a value before the lookup stops on it (e.g. the chunk's hash). */
  acceptValue?: (value: Buffer, from: Contact) => boolean
  signal?: AbortSignal
  onProgress?: (event: LookupEvent) => void
}

export interface LookupResult {
  target: Buffer
  kind: number
  /** The k closest nodes that answered, closest first. */
  closest: Contact[]
  value?: Buffer
  valueFrom?: Contact
  /** The closest node that answered without the value: where to cache it along the path. */
  cacheCandidate?: Contact
  /** Largest "not found" count reported by a node that lacked the value. */
  notFound: number
  /** The lookup ended on notFoundStop, before the k closest had all answered. */
  stoppedEarly?: boolean
  /** Path length: requests on the chain that reached the closest node (or the value). 1 = it was in our table. */
  hops: number
  /** ms from start until the closest node (or the value) answered. */
  foundMs: number
  /** ms from start until the lookup finished. */
  elapsedMs: number
  queried: number
  answered: number
  failed: number
  slow: number
  lying: number
}

/** The abort reason of requests still open when a lookup ends (not a failure of the peer). */
export const LOOKUP_FINISHED = 'lookup finished'
/** The abort reason of a request past its hard timeout. */
export const QUERY_TIMED_OUT = 'query timed out'

/** Folds one lookup's share of unanswered peers into a running estimate (for LookupOptions.failureRate). */
export function updateFailureRate (rate: number, r: Pick<LookupResult, 'queried' | 'failed' | 'slow'>): number {
  if (r.queried === 0) return rate
  return 0.9 * rate + 0.1 * Math.min(1, (r.failed + r.slow) / r.queried)
}

