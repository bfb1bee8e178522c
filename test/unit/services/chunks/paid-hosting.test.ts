import { describe, expect, it } from 'vitest'
import { makeContact } from '../../../../src/node/routing/contact.js'
import { PublishStatus } from '../../../../src/node/services/chunks/messages.js'
import { PaidHosting, type PaidHostingDeps } from '../../../../src/node/services/chunks/paid-hosting.js'
import { WEEK_MS } from '../../../../src/node/store/eviction-policy.js'

const chunkId = Buffer.alloc(32, 7)
const bytes = Buffer.alloc(1000, 1)
const from = (rank: number) => makeContact(Buffer.alloc(32, 9), { address: '10.0.0.9', port: 9 }, { rank })

function host (over: Partial<PaidHostingDeps> = {}, displaced: number | 'no room' = 0) {
  const charges: Array<[number, number]> = []
  const stored: number[] = []
  const d: PaidHostingDeps = {
    selfId: Buffer.alloc(32, 0),
    selfRank: 3,
    now: () => 5000,
    running: () => true,
    selling: () => true,
    store: {
      has: () => false,
      quotePaid: () => displaced === 'no room' ? undefined : displaced,
      putPaid: async (_id, b, until) => { stored.push(until); return b.length > 0 }
    },
    storagePrice: 2,
    download: async () => bytes,
    canCharge: () => true,
    charge: (_f, _id, n, credit) => { charges.push([n, credit]) },
    stats: { paidStored: 0, paidRefused: 0 },
    ...over
  }
  return { paid: new PaidHosting(d), d, charges, stored }
}

const offer = (maxCredit: number, size = 1000) => ({ type: 'publishOffer' as const, chunkId, size, maxCredit })

describe('paid publishing, the host\'s half', () => {
  it('stores a week for a publisher of higher rank at the storage price, and charges it', async () => {
    const { paid, charges, stored, d } = host()
    const r = await paid.offer(offer(10_000), from(4))
    expect(r).toEqual({ type: 'publishReply', status: PublishStatus.stored, price: 2000, paidUntil: 5000 + WEEK_MS })
    expect(stored).toEqual([5000 + WEEK_MS])
    expect(charges).toEqual([[1000, 2000]])
    expect(d.stats.paidStored).toBe(1)
  })

  it('a full cache charges what the displaced chunks earn in a week, when that is more', async () => {
    const { paid, charges } = host({}, 123_456.2)
    expect(await paid.offer(offer(200_000), from(4))).toMatchObject({ status: PublishStatus.stored, price: 123_457 })
    expect(charges).toEqual([[1000, 123_457]])
  })

  it('refuses: no higher rank, out of range, too dear (with the price), no room, past the credit line, not selling, a failed pull', async () => {
    expect(await host().paid.offer(offer(1e9), from(3))).toMatchObject({ status: PublishStatus.lowRank })
    expect(await host({ range: 8 }).paid.offer(offer(1e9), from(4))).toMatchObject({ status: PublishStatus.outOfRange })
    expect(await host().paid.offer(offer(1999), from(4))).toMatchObject({ status: PublishStatus.tooDear, price: 2000 })
    expect(await host({}, 'no room').paid.offer(offer(1e9), from(4))).toMatchObject({ status: PublishStatus.noRoom })
    expect(await host({ canCharge: () => false }).paid.offer(offer(1e9), from(4))).toMatchObject({ status: PublishStatus.owed })
    expect(await host({ selling: () => false }).paid.offer(offer(1e9), from(4))).toMatchObject({ status: PublishStatus.notSelling })
    const failing = host({ download: async () => { throw new Error('gone') } })
    expect(await failing.paid.offer(offer(1e9), from(4))).toMatchObject({ status: PublishStatus.fetchFailed })
    expect(failing.charges).toEqual([])
    // The offer's size must be the chunk's.
    const lying = host()
    expect(await lying.paid.offer(offer(1e9, 999), from(4))).toMatchObject({ status: PublishStatus.fetchFailed })
    expect(lying.charges).toEqual([])
  })
})
