import { describe, expect, it } from 'vitest'
import type { VerifiedChain } from '../../../../src/node/services/names/chain.js'
import { ownerSettled, pickOwner } from '../../../../src/node/services/names/owner-vote.js'

/** A stand-in chain: pickOwner and ownerSettled read only the owner, the first id and the head's order. */
function chainOf (owner: number): VerifiedChain {
  const id = Buffer.alloc(32, owner)
  return { name: 'n', owner: Buffer.alloc(32, owner), links: [], ids: [id], head: { created: 0 } as VerifiedChain['head'], headId: id, start: 0 }
}

/** Every sequence of `length` owners drawn from `owners`. */
function * sequences (owners: number[], length: number): Generator<number[]> {
  if (length === 0) { yield []; return }
  for (const rest of sequences(owners, length - 1)) for (const o of owners) yield [...rest, o]
}

const ownerOf = (answers: VerifiedChain[]): number | undefined => pickOwner(answers)?.chain.owner[0]

describe('ownerSettled', () => {
  it('never settles on an owner that some completion of the pending votes would unseat (exhaustive, 3 owners + a newcomer)', () => {
    let settledCases = 0
    for (let n = 0; n <= 5; n++) {
      for (const held of sequences([1, 2, 3], n)) {
        const answers = held.map(chainOf)
        for (let pending = 0; pending <= 4; pending++) {
          if (!ownerSettled(answers, pending)) continue
          settledCases++
          const now = ownerOf(answers)
          // Owner 0 is a claimant nobody has answered for yet; its id is the lowest, so it wins every tie.
          for (const more of sequences([1, 2, 3, 0], pending)) {
            expect(ownerOf([...answers, ...more.map(chainOf)])).toBe(now)
          }
        }
      }
    }
    expect(settledCases).toBeGreaterThan(100)
  })

  it('settles only once the leader is out of reach: 3 of 5 agreeing with 3 votes open is not enough, with 2 it is', () => {
    const a = [chainOf(1), chainOf(1), chainOf(1)]
    expect(ownerSettled(a, 3)).toBe(false)
    expect(ownerSettled(a, 2)).toBe(true)
    expect(ownerSettled([...a, chainOf(2)], 2)).toBe(false)
    expect(ownerSettled([...a, chainOf(2)], 1)).toBe(true)
  })

  it('does not settle a tie the leader would only win on its id', () => {
    expect(ownerSettled([chainOf(1), chainOf(1), chainOf(2)], 1)).toBe(false)
    expect(ownerSettled([], 0)).toBe(true)
    expect(ownerSettled([], 1)).toBe(false)
  })
})
