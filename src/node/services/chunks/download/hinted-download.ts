import type { ChunkDescriptor } from '../chunk-format.js'
import type { DownloadSession } from './download-session.js'
import { wholeOfGiven } from './given-descriptor-download.js'
import type { Fetched } from './whole-chunk.js'

/**
 * Another part of a blob whose last part some peers just served: ask them, without a
 * provider lookup (provider-hints.ts). Undefined when there is no one to ask, or they did
 * not deliver (the hint is dropped and the caller looks the providers up).
 */
export async function fetchFromHintedPeers (session: DownloadSession, given: ChunkDescriptor, group: string): Promise<Fetched | undefined> {
  const { hints, counters } = session.deps
  const hinted = hints.take(group)?.filter(p => session.usable(p))
  if (hinted === undefined || hinted.length === 0) return undefined
  const outcome = await session.slices(hinted, given)
  if (!outcome.ok) {
    hints.miss(group)
    return undefined
  }
  counters.hintedDownloads++
  return session.done(await wholeOfGiven(session, given, outcome), hinted.length)
}
