import type { AnnounceCounters } from './announcer.js'
import type { DownloadCounters } from './download/downloader-deps.js'
import type { ChunkRequestCounters } from './handlers/chunk-request-handler.js'
import type { ServeCounters } from './served-streams.js'

export interface ChunkServiceStats extends DownloadCounters, AnnounceCounters, ChunkRequestCounters, ServeCounters {
  cachedOnDemand: number
  /** Downloads started because enough peers with standing asked for a chunk. */
  demandPulls: number
  /** CACHE_REQUESTs refused (rank, distance, budget, busy). */
  cacheRequestsRefused: number
  republishRuns: number
  /** Slice streams a download took over from an earlier one instead of opening. */
  streamsReused: number
  /** Paid publish offers this node took (and kept a week), and refused. */
  paidStored: number
  paidRefused: number
}

/** Every counter at zero. */
export function newChunkServiceStats (): ChunkServiceStats {
  return {
    localHits: 0, downloads: 0, downloadFailures: 0, bytesDownloaded: 0, badSlices: 0, slowPeers: 0,
    unreachablePeers: 0, descriptorLies: 0, bans: 0, cacheFailures: 0, hintedDownloads: 0,
    announcements: 0, recordsSent: 0, recordsRefused: 0, announceFailures: 0, cacheRequestsSent: 0, cacheRequestsAccepted: 0,
    malformedRequests: 0, recordsAccepted: 0, recordsRejected: 0, notFoundAnswered: 0, descriptorsServed: 0,
    slicesServed: 0, bytesServed: 0, streamsServed: 0, streamsRefused: 0, malformedStreams: 0, cachedOnDemand: 0, demandPulls: 0, cacheRequestsRefused: 0, republishRuns: 0,
    streamsReused: 0, paidStored: 0, paidRefused: 0
  }
}
