import { ChunkError, ChunkErrorCode } from '../errors.js'
import type { SliceDownloadOutcome } from '../slice-download.js'

/** The head of a chunk id, for messages. */
export function shortChunkId (id: Buffer): string {
  return id.toString('hex').slice(0, 16) + '…'
}

/** No provider delivered the chunk: how the last attempt's workers ended says why. */
export function unavailable (id: Buffer, providers: number, last?: SliceDownloadOutcome): ChunkError {
  if (last !== undefined && last.counts.owed.length > 0) {
    const refusals = last.counts.owed.map(o => ({ provider: o.peer.id.toString('hex'), owedCredit: o.owedCredit, sats: o.sats, uri: o.uri }))
    const cheapest = refusals.reduce((a, b) => b.sats < a.sats ? b : a)
    return new ChunkError(ChunkErrorCode.PAYMENT_REQUIRED,
      `${refusals.length} provider(s) of chunk ${shortChunkId(id)} refused: this node used up its credit with them; paying ${cheapest.sats} sats (${cheapest.uri === '' ? 'the provider posts no address' : cheapest.uri}) restores it`, { refusals })
  }
  const ends = last === undefined
    ? 'no provider had a descriptor'
    : Object.entries(last.counts.ends).filter(([, n]) => n > 0).map(([k, n]) => `${k} ${n}`).join(', ')
  return new ChunkError(ChunkErrorCode.UNAVAILABLE, `none of the ${providers} providers of chunk ${shortChunkId(id)} delivered it whole and intact (${ends})`)
}
