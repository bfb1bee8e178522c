import type { ChunkDescriptor } from '../chunk-format.js'
import type { SliceDownloadOutcome } from '../slice-download.js'
import { type PeerDescriptor, requestDescriptor } from './descriptor-request.js'
import { unavailable } from './download-errors.js'
import type { DownloadSession } from './download-session.js'
import { type Fetched, checkWhole } from './whole-chunk.js'

/**
 * A chunk fetched whole, without a descriptor from the caller: one is asked of a
 * provider, trusted for nothing until the whole chunk checks out against its id. Then
 * whoever contradicted it lied; if the chunk does not check out, its source lied, and the
 * download starts again with a descriptor from another provider (at most `maxAttempts`).
 */
export async function fetchWithPeerDescriptor (session: DownloadSession): Promise<Fetched> {
  const { deps, id } = session
  const providers = await session.lookup(0)
  const triedSources = new Set<string>()
  const earlier: PeerDescriptor[] = []
  let last: SliceDownloadOutcome | undefined
  for (let attempt = 0; attempt < deps.maxAttempts; attempt++) {
    session.progress({ phase: 'descriptor', bytes: 0, total: 0, providers: providers.length })
    const got = await requestDescriptor(session, providers.filter(p => session.usable(p) && !triedSources.has(p.id.toString('hex'))))
    if (got === undefined) break
    triedSources.add(got.from.id.toString('hex'))
    const outcome = await session.slices(providers, got.descriptor, got.from)
    last = outcome
    const whole = outcome.ok ? await checkWhole(deps.crypto, got.descriptor, outcome.bytes, session.opener) : undefined
    if (outcome.ok && whole !== undefined) {
      // The id vouches for this descriptor now: whoever contradicted it lied. A chunk has
      // exactly one true descriptor, so an earlier, different one was a lie too.
      for (const p of outcome.suspects) session.ban(p, 'sent a slice that contradicts the chunk')
      session.credit(outcome, got.descriptor.length)
      for (const e of earlier) {
        if (!sameDescriptor(e.descriptor, got.descriptor) && !deps.bans.has(e.from.id)) {
          deps.counters.descriptorLies++
          session.ban(e.from, 'sent a descriptor that does not describe the chunk')
        }
      }
      return session.done(whole, providers.length)
    }
    earlier.push(got)
    if (outcome.ok || outcome.reason === 'descriptor-lied') {
      deps.counters.descriptorLies++
      session.ban(got.from, 'sent a descriptor that does not describe the chunk')
      continue
    }
    // Exhausted: with suspects the descriptor may be the lie (nobody's slices matched it): try another.
    if (outcome.suspects.length === 0) break
  }
  throw unavailable(id, providers.length, last)
}

function sameDescriptor (a: ChunkDescriptor, b: ChunkDescriptor): boolean {
  return a.length === b.length && a.slices.length === b.slices.length && a.slices.every((h, i) => h.equals(b.slices[i]))
}
