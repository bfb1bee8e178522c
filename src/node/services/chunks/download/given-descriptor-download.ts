import type { ChunkDescriptor } from '../chunk-format.js'
import { ChunkError, ChunkErrorCode } from '../errors.js'
import { shortChunkId, unavailable } from './download-errors.js'
import type { DeliveredSlices, DownloadSession } from './download-session.js'
import { type Fetched, checkWhole } from './whole-chunk.js'

/**
 * A chunk whose descriptor the caller gave (a part of a split blob, listed in its
 * header): providers from a lookup, every slice checked against the caller's hashes as
 * it arrives. The peers that delivered, then the rest found, are remembered for the
 * blob's next part (hinted-download.ts).
 */
export async function fetchWithGivenDescriptor (session: DownloadSession, given: ChunkDescriptor, group: string | undefined): Promise<Fetched> {
  const providers = await session.lookup(given.length)
  const outcome = await session.slices(providers, given)
  if (!outcome.ok) throw unavailable(session.id, providers.length, outcome)
  const bytes = await wholeOfGiven(session, given, outcome)
  // Those that delivered first, then the rest found.
  if (group !== undefined) session.deps.hints.found(group, [...outcome.servedBy, ...providers].filter(p => session.usable(p)))
  return session.done(bytes, providers.length)
}

/**
 * The whole chunk of slices that each matched the caller's descriptor, checked against its
 * id (the slice hashes are the record author's word), and its peers credited.
 */
export async function wholeOfGiven (session: DownloadSession, given: ChunkDescriptor, outcome: DeliveredSlices): Promise<Fetched> {
  const got = await checkWhole(session.deps.crypto, given, outcome.bytes, session.opener)
  if (got === undefined) {
    // Every slice matched the caller's hashes, so the hashes themselves are wrong.
    throw new ChunkError(ChunkErrorCode.BAD_DESCRIPTOR, `the descriptor given for chunk ${shortChunkId(session.id)} does not describe it`)
  }
  session.credit(outcome, given.length)
  return got
}
