import { describe, expect, it } from 'vitest'
import { type Contact, makeContact } from '../../../../src/node/routing/contact.js'
import { HostTable, decodeTrackedChunk, encodeTrackedChunk } from '../../../../src/node/services/chunks/host-table.js'
import { HostTracker } from '../../../../src/node/services/chunks/host-tracker.js'
import { PublishStatus, decodeChunkMessage, encodeChunkMessage } from '../../../../src/node/services/chunks/messages.js'
import { summarizePublished } from '../../../../src/node/services/chunks/published-summary.js'

const HOUR = 3_600_000
const chunkId = Buffer.alloc(32, 0xc1)
const SIZE = 100_000

interface FakeHost { contact: Contact, held: boolean, served: number, since: number, up: boolean, takesOffers?: boolean }

function world () {
  let t = 1_700_000_000_000
  const m = new Map<string, Buffer>()
  const table = new HostTable({ get: (k) => m.get(k), put: async (k, v) => { m.set(k, v) }, keys: () => [...m.keys()], remove: async (k) => { m.delete(k) } })
  const hosts: FakeHost[] = [1, 2, 3, 4].map(i => ({
    contact: makeContact(Buffer.alloc(32, i), { address: '10.0.0.' + String(i), port: 1000 + i }, { rank: 1 }), held: false, served: 0, since: 77, up: true
  }))
  const self = makeContact(Buffer.alloc(32, 0), { address: '10.0.0.100', port: 1 }, { rank: 5 })
  let ownServed = 0
  const paid: number[] = []
  let pushes = 0
  const byId = (c: Contact): FakeHost => hosts.find(h => h.contact.id.equals(c.id)) as FakeHost
  const tracker = new HostTracker({
    table,
    network: {
      self,
      closest: async () => hosts.map(h => h.contact),
      request: async (c, _s, payload) => {
        const h = byId(c)
        if (!h.up) throw new Error('timeout')
        const q = decodeChunkMessage(payload)
        if (q.type === 'hasChunk') return encodeChunkMessage({ type: 'hosting', held: h.held, servedBytes: h.served, since: h.since })
        if (q.type === 'publishOffer') {
          if (h.takesOffers !== true) return encodeChunkMessage({ type: 'publishReply', status: PublishStatus.tooDear, price: 1e12, paidUntil: 0 })
          h.held = true
          return encodeChunkMessage({ type: 'publishReply', status: PublishStatus.stored, price: 5000, paidUntil: t + 7 * 24 * HOUR })
        }
        throw new Error('unexpected')
      }
    },
    identity: { rank: 5 },
    now: () => t,
    find: async () => [],
    announce: async () => 1,
    // Nodes asked to pull take it (held from then on).
    push: async (_id, wanted, known) => {
      pushes++
      const out: Contact[] = []
      for (const h of hosts) {
        if (out.length >= wanted) break
        if (!h.up || known.has(h.contact.id.toString('hex')) || h.takesOffers === true) continue
        h.held = true
        out.push(h.contact)
      }
      return out
    },
    servedHere: () => ({ bytes: ownServed, since: 5 }),
    sizeOf: () => SIZE,
    onPaid: (_h, _id, _b, credit) => { paid.push(credit) },
    replicas: 2,
    maxPrice: 10_000,
    signal: () => new AbortController().signal
  })
  return { tracker, hosts, table, advance: (ms: number) => { t += ms }, serveHere: (n: number) => { ownServed += n }, paid, pushes: () => pushes }
}

describe('HostTracker', () => {
  it('asks for copies when short, confirms hosts, drops one lost twice, replaces it, and gathers reads an hour', async () => {
    const w = world()
    await w.tracker.track([chunkId], 'site-ref')
    let r = await w.tracker.check()
    expect(r).toMatchObject({ chunks: 1, hostsAlive: 0, republished: 1, hostsAdded: 2 })
    expect(w.tracker.list()[0].hosts.map(h => h.id)).toEqual([1, 2].map(i => Buffer.alloc(32, i).toString('hex')))

    // An hour on: both hold it; host 1 served 3 reads' worth, host 2 one, this node half of one.
    w.advance(HOUR)
    w.hosts[0].served = 3 * SIZE
    w.hosts[1].served = SIZE
    w.serveHere(SIZE / 2)
    r = await w.tracker.check()
    expect(r).toMatchObject({ hostsAlive: 2, republished: 0 })
    let c = w.tracker.list()[0]
    expect(c.reads).toBeCloseTo(4.5)
    expect(c.rate).toBeCloseTo(4.5)
    expect(c.hosts.every(h => h.lastSeen > 0)).toBe(true)

    // Host 1 goes away: one missed check keeps it (and asks for one more copy), the second drops it.
    w.hosts[0].up = false
    w.advance(HOUR)
    w.hosts[1].served = 2 * SIZE
    r = await w.tracker.check()
    expect(r).toMatchObject({ hostsAlive: 1, hostsDropped: 0, republished: 1, hostsAdded: 1 })
    c = w.tracker.list()[0]
    expect(c.rate).toBeCloseTo(1)
    w.advance(HOUR)
    r = await w.tracker.check()
    expect(r).toMatchObject({ hostsAlive: 2, hostsDropped: 1 })
    c = w.tracker.list()[0]
    expect(c.hosts.map(h => h.id).sort()).toEqual([2, 3].map(i => Buffer.alloc(32, i).toString('hex')))

    // A host that restarted (its count began anew) reports only new bytes.
    w.advance(HOUR)
    w.hosts[1].since = 999
    w.hosts[1].served = SIZE
    r = await w.tracker.check()
    expect(w.tracker.list()[0].rate).toBeCloseTo(1)

    const items = summarizePublished(w.tracker.list())
    expect(items).toMatchObject([{ item: 'site-ref', chunks: 1, minHosts: 2, hosts: 2 }])
    expect(items[0].reads).toBeCloseTo(6.5)
  })

  it('pays for places with maxPrice when nobody takes a free request, and books each', async () => {
    const w = world()
    for (const h of w.hosts) h.takesOffers = true
    await w.tracker.track([chunkId])
    const r = await w.tracker.check()
    expect(r).toMatchObject({ republished: 1, paidPlaces: 2, creditPaid: 10_000 })
    expect(w.paid).toEqual([5000, 5000])
    const c = w.tracker.list()[0]
    expect(c.paid).toBe(10_000)
    expect(c.hosts.filter(h => h.paidUntil > 0).length).toBe(2)
  })

  it('keeps its records in the table; a damaged record reads as none', () => {
    const rec = { id: chunkId.toString('hex'), items: ['x'], size: 5, hosts: [], trackedAt: 1, lastCheck: 2, reads: 3, rate: 4, ownServed: 0, ownSince: 0, paid: 0 }
    expect(decodeTrackedChunk(encodeTrackedChunk(rec))).toEqual(rec)
    expect(decodeTrackedChunk(Buffer.from('{'))).toBeUndefined()
    expect(decodeTrackedChunk(Buffer.from(JSON.stringify({ ...rec, size: -1 })))).toBeUndefined()
    expect(decodeTrackedChunk(Buffer.from(JSON.stringify({ ...rec, hosts: [{ id: 'zz' }] })))).toBeUndefined()
    expect(decodeTrackedChunk(Buffer.from(JSON.stringify({ ...rec, id: 'ab' })))).toBeUndefined()
  })
})
