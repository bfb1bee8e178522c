import { type VerifiedChain, compareSameOwner } from './chain.js'

/**
 * How a reader settles the answers of several replicas: the owner most of them
 * hold. Of that owner's chains, the one with the latest head.
 *
 * Why a vote: a reader was not there when the claims appeared, and a valid
 * chain can be dated at will. Each honest replica keeps the claim it saw first
 * (name-registry.ts); the reader trusts what most of them hold, so one lying
 * replica cannot decide. A tie (a true race split the replicas evenly) goes to
 * the claim whose first held link has the lower id, a hash: not to the earlier
 * date, which a claimant picks for free, while another id costs another proof
 * of work.
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
    if (winner === undefined || e.votes > winner.votes || (e.votes === winner.votes && Buffer.compare(e.best.ids[0], winner.best.ids[0]) < 0)) winner = e
  }
  return winner === undefined ? undefined : { chain: winner.best, votes: winner.votes }
}

/**
 * True when no `pending` further answers (one vote each, for any owner, a new
 * one included) could change the owner pickOwner picks: the leader has more
 * votes than any rival could reach. What lets a read answer before every
 * replica has (records/early-read.ts) without changing who wins. A tie that
 * could still happen is not settled, even one the leader would win on its id:
 * a new claimant's id is unknown until it answers.
 */
export function ownerSettled (answers: readonly VerifiedChain[], pending: number): boolean {
  if (pending <= 0) return true
  const votes = new Map<string, number>()
  for (const a of answers) {
    const id = a.owner.toString('hex')
    votes.set(id, (votes.get(id) ?? 0) + 1)
  }
  const sorted = [...votes.values()].sort((x, y) => y - x)
  const leader = sorted[0] ?? 0
  const rival = sorted[1] ?? 0
  return leader > rival + pending
}
