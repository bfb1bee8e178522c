import type { ServiceRequestContext } from '../../service-network.js'
import type { ChunkDescriptor } from '../chunk-format.js'
import type { ChunkMessage, ProviderRecord } from '../messages.js'
import type { ProviderRecords } from '../provider-records.js'
import type { AdmissionPolicy } from '../record-admission.js'

/** What the chunk service's inbound request handlers need from the service. */
export interface ChunkRequestDeps {
  records: ProviderRecords
  admission: AdmissionPolicy
  now: () => number
  /** What this node answers for a chunk (its own record first, when it holds the chunk). */
  providerList: (chunkId: Buffer) => ProviderRecord[]
  /** The descriptor of a chunk held here, or undefined. */
  describe: (chunkId: Buffer) => ChunkDescriptor | undefined
  /** Counts a request for a chunk that is not here; returns the count. */
  noteMissing: (chunkId: Buffer) => number
  /** A peer asked for providers of a chunk (demand, see cache-on-demand.ts). */
  onQuery?: (chunkId: Buffer, from: ServiceRequestContext['from']) => void
  /** A peer asks this node to pull and cache a chunk; true when it will. */
  onCacheRequest: (chunkId: Buffer, from: ServiceRequestContext['from']) => boolean
  /** Whether the chunk is held here, and the slice bytes of it this node served since `since`. */
  hosting: (chunkId: Buffer) => { held: boolean, servedBytes: number, since: number }
  /** A publisher offers to pay for a week's place (paid-hosting.ts); resolves with the reply. */
  onPublishOffer: (m: ChunkRequestOf<'publishOffer'>, from: ServiceRequestContext['from']) => Promise<ChunkMessage>
  isStopped: () => boolean
  counters: ChunkRequestCounters
}

export interface ChunkRequestCounters {
  malformedRequests: number
  recordsAccepted: number
  recordsRejected: number
  notFoundAnswered: number
  descriptorsServed: number
}

/** The request of one message type: it answers with the reply message. */
export type ChunkRequestOf<T extends ChunkMessage['type']> = Extract<ChunkMessage, { type: T }>

export type ChunkRequestHandler<T extends ChunkMessage['type']> =
  (deps: ChunkRequestDeps, request: ChunkRequestOf<T>, ctx: ServiceRequestContext) => ChunkMessage | Promise<ChunkMessage>
