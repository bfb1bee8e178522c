import { describe, expect, it } from 'vitest'
import { STRANGER_WEIGHT } from '../../../../src/node/accounting/fair-scheduler.js'
import { LOOKUP_ANSWER_PRICE, chunkBytePrice } from '../../../../src/node/accounting/price.js'
import { MarketSimulation, RevenueCache, ZipfSampler } from '../../../../src/node/routing/simulator/market-simulation.js'

describe('ZipfSampler', () => {
  it('draws rank r with probability ∝ 1 / (r + 1)^s, the first rank the most', () => {
    const z = new ZipfSampler(4, 1)
    // Weights 1, 1/2, 1/3, 1/4 (sum 25/12).
    expect(z.cumulative(0)).toBeCloseTo(12 / 25, 12)
    expect(z.cumulative(1)).toBeCloseTo(18 / 25, 12)
    expect(z.cumulative(3)).toBeCloseTo(1, 12)
    expect(z.rank(0)).toBe(0)
    expect(z.rank(0.47)).toBe(0)
    expect(z.rank(0.5)).toBe(1)
    expect(z.rank(0.999)).toBe(3)
    expect(() => new ZipfSampler(0, 1)).toThrow(RangeError)
  })
})

describe('RevenueCache', () => {
  it('admits while there is room, then only a chunk worth more than the least valuable, which it evicts', () => {
    const value = new Map([[1, 5], [2, 1], [3, 3], [4, 0.5], [5, 2]])
    const cache = new RevenueCache(3, (c) => value.get(c) ?? 0)
    expect(cache.offer(1)).toBe(true)
    expect(cache.offer(2)).toBe(true)
    expect(cache.offer(3)).toBe(true)
    expect(cache.offer(1)).toBe(true) // held already
    const evicted: number[] = []
    expect(cache.offer(4, (c) => evicted.push(c))).toBe(false) // worth less than everything held
    expect(cache.offer(5, (c) => evicted.push(c))).toBe(true)
    expect(evicted).toEqual([2])
    expect([...cache.held].sort()).toEqual([1, 3, 5])
    expect(new RevenueCache(0, () => 1).offer(1)).toBe(false)
  })
})

describe('MarketSimulation', () => {
  const small = { nodes: 200, chunks: 400, cacheSlots: 8, seed: 7 }

  it('places every chunk at its closest contributor and looks up over contributors only', () => {
    const sim = new MarketSimulation(small)
    for (let c = 0; c < 400; c++) {
      const s = sim.source[c]
      expect(sim.contributor[s]).toBe(1)
      const truth = sim.net.trueClosest(sim.chunkId(c), 200, false).find(i => sim.contributor[i] === 1)
      expect(s).toBe(truth)
    }
    for (let r = 0; r < 200; r += 7) {
      for (let c = 0; c < 400; c += 37) {
        const l = sim.lookup(r, c)
        expect(sim.holds(l.holder, c)).toBe(true)
        expect(l.rounds[l.rounds.length - 1]).toContain(l.holder)
        for (const round of l.rounds) {
          expect(round.length).toBeGreaterThan(0)
          for (const n of round) {
            expect(sim.contributor[n]).toBe(1)
            expect(n).not.toBe(r)
          }
        }
      }
    }
  })

  it('caches popular chunks along lookup paths, so hits grow and popular chunks are found in fewer hops', () => {
    const sim = new MarketSimulation(small)
    const r = sim.runPhase(6000, 0.3)
    expect(r.fetches.length + r.localReads).toBe(6000)
    expect(r.refused).toBe(0)
    expect(r.hitRateLastTenth).toBeGreaterThan(r.hitRateFirstTenth)
    expect(r.popularHopsP50).toBeLessThanOrEqual(r.hopsP50)
    let cachedCopies = 0
    for (let n = 0; n < 200; n++) {
      const held = sim.cached(n)
      if (sim.contributor[n] === 0) expect(held.size).toBe(0) // freeloaders never cache
      expect(held.size).toBeLessThanOrEqual(8)
      for (const c of held) expect(sim.source[c]).not.toBe(n)
      cachedCopies += held.size
    }
    expect(cachedCopies).toBeGreaterThan(0)
  })

  it('books credit at the real price: a contributor gains standing with the nodes it served or answered, a freeloader with nobody', () => {
    const sim = new MarketSimulation({ ...small, lookupCredit: 0 })
    const r = sim.runPhase(4000, 0.3)
    const contributorFetch = r.fetches.find(f => !f.freeloader && f.gave && f.weight > STRANGER_WEIGHT)
    expect(contributorFetch).toBeDefined()
    expect(r.fetches.filter(f => f.freeloader).every(f => !f.gave && f.weight <= STRANGER_WEIGHT)).toBe(true)
    // A freeloader that took from a server waits there behind a stranger.
    expect(r.fetches.some(f => f.freeloader && f.weight < STRANGER_WEIGHT)).toBe(true)
    // Standing is exactly chunkBytes × the server's price summed over what it served.
    const s = sim.source[0]
    const c = sim.lookup(0, 0)
    expect(chunkBytePrice(sim.net.id(s), sim.chunkId(0))).toBeGreaterThanOrEqual(chunkBytePrice(sim.net.id(c.holder), sim.chunkId(0)))
    let total = 0
    for (let n = 0; n < 200; n++) for (let m = 0; m < 200; m++) total += sim.standing(n, m)
    expect(total % sim.options.chunkBytes).toBe(0)
    expect(total).toBeGreaterThan(0)
    // With lookups priced, every answer a contributor gave adds LOOKUP_ANSWER_PRICE, and more contributors have standing.
    const priced = new MarketSimulation(small)
    const p = priced.runPhase(4000, 0.3)
    const gave = (x: typeof p): number => x.fetches.filter(f => !f.freeloader && f.gave).length / x.fetches.filter(f => !f.freeloader).length
    expect(gave(p)).toBeGreaterThan(gave(r))
    expect(p.fetches.filter(f => f.freeloader).every(f => !f.gave)).toBe(true)
    let lookupTotal = 0
    for (let n = 0; n < 200; n++) for (let m = 0; m < 200; m++) lookupTotal += priced.standing(n, m)
    expect(lookupTotal % LOOKUP_ANSWER_PRICE).toBe(0)
  })

  it('serves everyone alike when idle and contributors first when saturated', () => {
    const sim = new MarketSimulation(small)
    sim.runPhase(20_000, 0.2) // history: books and caches
    const idle = sim.runPhase(4000, 0.2)
    const busy = sim.runPhase(4000, 1.2)
    expect(idle.latencyRatio).toBeLessThan(1.2)
    expect(busy.latencyRatio).toBeGreaterThan(idle.latencyRatio)
    expect(busy.freeloaderP50).toBeGreaterThan(busy.contributorP50)
  })

  it('with cacheDownloads, contributors (never freeloaders) also cache what they fetched, by the same rule', () => {
    const sim = new MarketSimulation({ ...small, cacheDownloads: true })
    const r = sim.runPhase(3000, 0.3)
    let cached = 0
    for (let n = 0; n < 200; n++) {
      if (sim.contributor[n] === 0) expect(sim.cached(n).size).toBe(0)
      cached += sim.cached(n).size
    }
    const plain = new MarketSimulation(small)
    plain.runPhase(3000, 0.3)
    let plainCached = 0
    for (let n = 0; n < 200; n++) plainCached += plain.cached(n).size
    expect(cached).toBeGreaterThan(plainCached)
    expect(r.localReads).toBeGreaterThan(0)
  })

  it('is a pure function of its options', () => {
    const a = new MarketSimulation({ ...small, seed: 3 }).runPhase(1500, 0.5)
    const b = new MarketSimulation({ ...small, seed: 3 }).runPhase(1500, 0.5)
    expect(b.fetches).toEqual(a.fetches)
    expect(b.latencyRatio).toBe(a.latencyRatio)
  })
})
