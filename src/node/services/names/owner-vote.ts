import { type VerifiedChain, compareClaims, compareSameOwner } from './chain.js'

/**
 * How a reader settles the answers of several replicas: the owner most of them
 * hold; a tie goes to the better claim by the registry's rule (compareClaims).
 * Of that owner's chains, the one with the latest head.
 *
 * Why a vote and not the rule alone: a reader was not there when the claims
 * appeared, and a valid chain can be dated at will, so one lying replica
 * serving a backdated claim would win under the rule. Honest replicas apply
 * the rule (and their memory) as claims arrive and agree with each other; the
 * reader trusts what most of them hold.
 */
export function pickOwner (answers: readonly VerifiedChain[]): { chain: VerifiedChain, votes: number } | undefined {
  const byOwner = new Map<string, { best: VerifiedChain, votes: number }>()
  for (const a of answers) {
    const id = a.owner.toString('hex')
    const e = byOwner.get(id)
    if (e === undefined) byOwner.set(id, { best: a, votes: 1 })
    else {
      e.votes++
      if (compareSameOwner(a, e.best) < 0) e.best = a
    }
  }
  let winner: { best: VerifiedChain, votes: number } | undefined
  for (const e of byOwner.values()) {
    if (winner === undefined || e.votes > winner.votes || (e.votes === winner.votes && compareClaims(e.best, winner.best) < 0)) winner = e
  }
  return winner === undefined ? undefined : { chain: winner.best, votes: winner.votes }
}
