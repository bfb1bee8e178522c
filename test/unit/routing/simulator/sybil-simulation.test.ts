import { describe, expect, it } from 'vitest'
import { simulateSybil } from '../../../../src/node/routing/simulator/sybil-simulation.js'

// Small networks, few lookups: behaviour, not figures (those are bench/sybil.ts).
describe('Sybil simulation', () => {
  it('10% garbage-answering attackers: the shipped lookup (verified values, 2 disjoint paths) still finds every chunk', async () => {
    const r = await simulateSybil({ attack: 'garbage', size: 2000, fraction: 0.1, lookups: 40, seed: 3, verify: true, paths: 2 })
    expect(r.success).toBe(1)
    expect(r.attackerIds).toBe(200)
    expect(r.rankHashes).toBe(200 * 2 ** 21)
  })

  it('the same attack beats a lookup that takes values unverified', async () => {
    const r = await simulateSybil({ attack: 'garbage', size: 2000, fraction: 0.1, lookups: 40, seed: 3, verify: false, paths: 1 })
    expect(r.success).toBeLessThan(1)
  })

  it('an eclipse with ground ids: counted in key pairs, and the target is still reached with disjoint paths and earned admission', async () => {
    const r = await simulateSybil({ attack: 'eclipse', size: 2000, fraction: 0.1, lookups: 30, seed: 4, paths: 2, admission: 'earned', groundRank: 23 })
    expect(r.groundIds).toBe(40)
    expect(r.grindKeys).toBe(40 * 2 ** r.grindBits)
    expect(r.success).toBe(1)
  })
})
