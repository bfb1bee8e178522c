import { describe, expect, it } from 'vitest'
import { CompactNetwork } from '../../../../src/node/routing/simulator/compact-network.js'
import { RoutingTable } from '../../../../src/node/routing/routing-table.js'
import { makeContact } from '../../../../src/node/routing/contact.js'
import { bucketIndex, bucketOf } from '../../../../src/node/routing/bucket-layout.js'
import { compareDistance, compareIds } from '../../../../src/node/routing/distance.js'
import { Prng } from '../../../../src/node/routing/simulator/prng.js'

const net = CompactNetwork.build({ size: 3000, seed: 5, k: 8, subBucketBits: 2 })
const prng = new Prng(6)

describe('CompactNetwork', () => {
  it('has sorted distinct ids and sorted tables that follow the bucket layout', () => {
    for (let i = 1; i < net.size; i++) expect(compareIds(net.id(i - 1), net.id(i))).toBeLessThan(0)
    for (let n = 0; n < 200; n++) {
      const i = prng.int(net.size)
      const t = net.table(i)
      expect(t.length).toBeGreaterThan(20)
      const perBucket = new Map<number, number>()
      for (let j = 0; j < t.length; j++) {
        if (j > 0) expect(t[j]).toBeGreaterThan(t[j - 1])
        expect(t[j]).not.toBe(i)
        const ref = bucketOf(net.id(i), net.id(t[j]), 2)
        expect(ref).toBeDefined()
        const key = bucketIndex(ref as NonNullable<typeof ref>, 2)
        perBucket.set(key, (perBucket.get(key) ?? 0) + 1)
      }
      for (const count of perBucket.values()) expect(count).toBeLessThanOrEqual(8)
    }
  })

  it('answers closest() exactly as RoutingTable does for the same contacts', () => {
    for (let n = 0; n < 30; n++) {
      const i = prng.int(net.size)
      const table = new RoutingTable(net.id(i), { k: 8, subBucketBits: 2 })
      for (const j of net.table(i)) expect(table.add(makeContact(net.id(j), { address: '10.0.0.1', port: 1 }), 0).kind).toBe('added')
      for (let m = 0; m < 5; m++) {
        const target = m === 0 ? net.id(prng.int(net.size)) : prng.bytes(32)
        const skip = net.table(i)[0]
        const fromCompact = net.closest(i, target, 20, skip).map(j => net.id(j).toString('hex'))
        const fromTable = table.closest(target, 20, c => c.id.equals(net.id(skip))).map(c => c.id.toString('hex'))
        expect(fromCompact).toEqual(fromTable)
      }
    }
  })

  it('finds the true closest nodes by brute force, live ones only when asked', () => {
    net.churn(0.3, 1)
    const dead = net.alive.reduce((s, a) => s + (a === 0 ? 1 : 0), 0)
    expect(dead).toBe(900)
    for (let n = 0; n < 20; n++) {
      const target = prng.bytes(32)
      const all = Array.from({ length: net.size }, (_, j) => j).sort((a, b) => compareDistance(target, net.id(a), net.id(b)))
      expect(net.trueClosest(target, 10, false)).toEqual(all.slice(0, 10))
      expect(net.trueClosest(target, 10, true)).toEqual(all.filter(j => net.alive[j] === 1).slice(0, 10))
    }
    net.churn(0, 1)
    expect(net.indexOf(net.id(1234))).toBe(1234)
    expect(net.indexOf(prng.bytes(32))).toBe(-1)
  })

  it('builds the same network from the same seed', () => {
    const a = CompactNetwork.build({ size: 500, seed: 9 })
    const b = CompactNetwork.build({ size: 500, seed: 9 })
    const c = CompactNetwork.build({ size: 500, seed: 10 })
    expect(Buffer.from(a.ids).equals(Buffer.from(b.ids))).toBe(true)
    expect(a.pool.subarray(0, a.contactCount)).toEqual(b.pool.subarray(0, b.contactCount))
    expect(Buffer.from(a.ids).equals(Buffer.from(c.ids))).toBe(false)
  })
})
