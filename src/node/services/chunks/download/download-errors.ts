import { ChunkError, ChunkErrorCode } from '../errors.js'
import type { SliceDownloadOutcome } from '../slice-download.js'

/** The head of a chunk id, for messages. */
export function shortChunkId (id: Buffer): string {
  return id.toString('hex').slice(0, 16) + '…'
}

/** No provider delivered the chunk: how the last attempt's workers ended says why. */
export function unavailable (id: Buffer, providers: number, last?: SliceDownloadOutcome): ChunkError {
  const ends = last === undefined
    ? 'no provider had a descriptor'
    : Object.entries(last.counts.ends).filter(([, n]) => n > 0).map(([k, n]) => `${k} ${n}`).join(', ')
  return new ChunkError(ChunkErrorCode.UNAVAILABLE, `none of the ${providers} providers of chunk ${shortChunkId(id)} delivered it whole and intact (${ends})`)
}
