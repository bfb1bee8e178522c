import { describe, expect, it } from 'vitest'
import { LOOKUP_FINISHED, runLookup, type LookupEvent, type LookupOptions } from '../../../src/node/routing/lookup.js'
import { RequestTimeouts } from '../../../src/node/routing/request-timeouts.js'
import { makeContact } from '../../../src/node/routing/contact.js'
import { isTornetError } from '../../../src/node/errors.js'
import { FakeWorld } from './fake-world.js'

function options (w: FakeWorld, target: Buffer, origin: number, over: Partial<LookupOptions> = {}): LookupOptions {
  const o = w.nodes[origin]
  return {
    target,
    seeds: o.knows.slice(0, 20),
    query: w.query,
    clock: w.clock,
    rtt: new RequestTimeouts({ initialTimeoutMs: 300 }),
    self: o.contact.id,
    k: 10,
    alpha: 3,
    ...over
  }
}

const hex = (cs: Array<{ id: Buffer }>): string[] => cs.map(c => c.id.toString('hex'))

describe('lookup runner', () => {
  it('finds the true k closest (brute force) from many origins', async () => {
    const w = new FakeWorld(300, 1)
    for (let i = 0; i < 30; i++) {
      const target = w.prng.bytes(32)
      const origin = w.prng.int(300)
      const r = await w.clock.drive(runLookup(options(w, target, origin)))
      const truth = w.closestTo(target, 10, n => n !== w.nodes[origin])
      expect(hex(r.closest)).toEqual(hex(truth))
      expect(r.hops).toBeGreaterThanOrEqual(1)
      expect(r.foundMs).toBeLessThanOrEqual(r.elapsedMs)
    }
  })

  it('keeps alpha requests in flight, then asks the rest of the k closest at once', async () => {
    const w = new FakeWorld(40, 2)
    for (const n of w.nodes) n.answer = () => ({ contacts: [] }) // nothing new: no progress
    const target = w.prng.bytes(32)
    const seeds = w.nodes.slice(1, 11).map(n => n.contact)
    const events: LookupEvent[] = []
    const run = runLookup({ ...options(w, target, 0, { alpha: 2, k: 10 }), seeds, onProgress: e => events.push(e) })
    await new Promise(resolve => setImmediate(resolve))
    expect(w.inFlight).toBe(2)
    const r = await w.clock.drive(run)
    expect(w.maxInFlight).toBe(8) // after two replies without progress: the final round
    expect(r.queried).toBe(10)
    expect(r.answered).toBe(10)
  })

  it('widens past a slow peer without cancelling it, and still uses its late reply', async () => {
    const w = new FakeWorld(3, 3, 2, 0)
    const [, b, c] = w.nodes
    // Only three nodes: the origin is a; b answers at once, c takes 2 s (its soft timeout is 300 ms).
    b.delayMs = 10; c.delayMs = 2000
    const events: LookupEvent[] = []
    const r = await w.clock.drive(runLookup({
      ...options(w, w.prng.bytes(32), 0, { k: 3, alpha: 1 }),
      seeds: [b.contact, c.contact],
      rtt: new RequestTimeouts({ initialTimeoutMs: 300, maxTimeoutMs: 3000, hardFactor: 10 }),
      onProgress: e => events.push(e)
    }))
    expect(events.some(e => e.type === 'slow' && e.contact === c.contact)).toBe(true)
    // Fewer than k answered, so the lookup waited for the slow peer rather than giving up on it.
    expect(hex(r.closest).sort()).toEqual(hex([b.contact, c.contact]).sort())
    expect(r.slow).toBe(1)
    expect(r.elapsedMs).toBeGreaterThanOrEqual(2000)
  })

  it('gives a contact without a key two round trips before calling it slow (XX first)', async () => {
    const run = async (keyed: boolean): Promise<{ slow: boolean, retried: boolean }> => {
      const w = new FakeWorld(2, 12, 1, 0)
      const [, b] = w.nodes
      // The soft timeout is 300 ms; b answers after 450 ms, as an XX handshake plus the request would.
      b.delayMs = 450
      const seed = keyed ? { ...b.contact, publicKey: Buffer.alloc(32, 1) } : b.contact
      w.byHex.set(seed.id.toString('hex'), b)
      const events: LookupEvent[] = []
      await w.clock.drive(runLookup({
        ...options(w, w.prng.bytes(32), 0, { k: 2, alpha: 1 }),
        seeds: [seed],
        roundTrips: c => c.publicKey === undefined ? 2 : 1,
        onProgress: e => events.push(e)
      }))
      return { slow: events.some(e => e.type === 'slow'), retried: w.sent > 1 }
    }
    expect(await run(false)).toEqual({ slow: false, retried: false })
    // The same delay from a contact whose key we hold (IK, one round trip) is past its soft timeout: retried.
    expect((await run(true)).retried).toBe(true)
  })

  it('gives up on dead peers at the hard timeout and still finishes', async () => {
    const w = new FakeWorld(200, 4)
    const target = w.prng.bytes(32)
    const truth = w.closestTo(target, 3)
    for (const c of truth) w.node(c).dead = true
    const r = await w.clock.drive(runLookup(options(w, target, 150)))
    const live = w.closestTo(target, 10, n => !n.dead && n !== w.nodes[150])
    expect(hex(r.closest)).toEqual(hex(live))
    expect(r.slow + r.failed).toBeGreaterThanOrEqual(1)
    // Requests still open at the end are cancelled as "finished", not blamed on the peer.
    expect(w.signals.filter(s => s.aborted).every(s => s.reason === LOOKUP_FINISHED || s.reason === 'query timed out')).toBe(true)
  })

  it('survives lying peers: oversized lists, malformed and self ids, many ids at one endpoint, unreachable fakes', async () => {
    const w = new FakeWorld(300, 5)
    const target = w.prng.bytes(32)
    const origin = w.nodes[0]
    const fakes = Array.from({ length: 40 }, (_, i) => makeContact(w.prng.bytes(32), { address: '10.9.9.9', port: i < 20 ? 9 : 1000 + i }))
    // Every third node lies in a different way.
    w.nodes.forEach((n, i) => {
      if (i === 0 || i % 3 !== 0) return
      const mode = (i / 3) % 3
      n.answer = req => {
        if (mode === 0) return { contacts: fakes } // far more than asked, all unreachable
        if (mode === 1) return { contacts: [makeContact(Buffer.alloc(5), { address: '10.0.0.1', port: 1 }), origin.contact, ...fakes.slice(0, 3)] }
        return { contacts: fakes.slice(0, req.count) } // plausible-looking but unreachable
      }
    })
    let lies = 0
    const r = await w.clock.drive(runLookup({ ...options(w, target, 0), onProgress: e => { if (e.type === 'lying') lies++ } }))
    const truth = w.closestTo(target, 10, n => n !== origin)
    expect(hex(r.closest)).toEqual(hex(truth))
    expect(r.lying).toBe(lies)
    expect(r.queried).toBeLessThanOrEqual(128)
  })

  it('stops on a value, reports where to cache it, and rejects values that fail validation', async () => {
    const w = new FakeWorld(300, 6)
    const target = w.prng.bytes(32)
    const holder = w.node(w.closestTo(target, 1)[0])
    holder.value = Buffer.from('the real value')
    for (const n of w.nodes) n.notFound = 7
    // The origin's best seed for the target forges a value.
    const seeds = w.nodes[0].knows.slice(0, 20).filter(c => c !== holder.contact)
    const liar = w.node(w.closestTo(target, 1, n => seeds.includes(n.contact))[0])
    liar.delayMs = 1
    liar.answer = () => ({ contacts: [], value: Buffer.from('forged') })
    const r = await w.clock.drive(runLookup({
      ...options(w, target, 0, { kind: 4 }),
      acceptValue: v => v.equals(Buffer.from('the real value'))
    }))
    expect(r.value?.toString()).toBe('the real value')
    expect(r.valueFrom).toBe(holder.contact)
    expect(r.lying).toBeGreaterThanOrEqual(1)
    expect(r.notFound).toBe(7)
    expect(r.cacheCandidate).toBeDefined()
  })

  it('stops early when a quorum of the closest nodes report a high not-found count, not on fewer', async () => {
    const w = new FakeWorld(300, 21)
    const target = w.prng.bytes(32)
    // The nodes near the target have been asked for it many times without having it.
    const near = new Set(w.closestTo(target, 30).map(c => c.id.toString('hex')))
    for (const n of w.nodes) n.notFound = near.has(n.contact.id.toString('hex')) ? 50 : 0
    const full = await w.clock.drive(runLookup(options(w, target, 0, { kind: 4 })))
    expect(full.stoppedEarly ?? false).toBe(false)
    const early = await w.clock.drive(runLookup(options(w, target, 0, { kind: 4, notFoundStop: { count: 20, quorum: 3 } })))
    expect(early.stoppedEarly).toBe(true)
    expect(early.value).toBeUndefined()
    expect(early.notFound).toBe(50)
    expect(early.queried).toBeLessThan(full.queried)

    // Two nodes claiming a huge count are not a quorum: the lookup runs its course.
    for (const n of w.nodes) n.notFound = 0
    for (const c of w.closestTo(target, 2)) w.node(c).notFound = 1_000_000
    const liars = await w.clock.drive(runLookup(options(w, target, 0, { kind: 4, notFoundStop: { count: 20, quorum: 3 } })))
    expect(liars.stoppedEarly ?? false).toBe(false)
    expect(hex(liars.closest)).toEqual(hex(full.closest))
  })

  it('rejects with ROUTING_ABORTED when aborted, and cancels its open requests', async () => {
    const w = new FakeWorld(100, 7)
    for (const n of w.nodes) n.delayMs = 500
    const ctl = new AbortController()
    w.clock.setTimer(100, () => ctl.abort())
    const p = runLookup({ ...options(w, w.prng.bytes(32), 0), signal: ctl.signal })
    await expect(w.clock.drive(p)).rejects.toSatisfy((e: unknown) => isTornetError(e, 'ROUTING_ABORTED'))
    expect(w.signals.length).toBeGreaterThan(0)
    expect(w.signals.every(s => s.aborted)).toBe(true)
  })

  it('rejects with ROUTING_NO_CONTACTS when it has nobody to ask', async () => {
    const w = new FakeWorld(5, 8)
    await expect(runLookup({ ...options(w, w.prng.bytes(32), 0), seeds: [] }))
      .rejects.toSatisfy((e: unknown) => isTornetError(e, 'ROUTING_NO_CONTACTS'))
  })

  it('bounds the requests one lookup may send', async () => {
    const w = new FakeWorld(400, 9)
    // Every peer answers with fresh unreachable contacts closer than anything real.
    let port = 0
    w.nodes.forEach(n => { n.answer = req => ({ contacts: Array.from({ length: req.count }, () => makeContact(Buffer.from(req.target.subarray(0, 28).toString('hex') + w.prng.bytes(4).toString('hex'), 'hex'), { address: '10.1.1.1', port: ++port })) }) })
    const r = await w.clock.drive(runLookup({ ...options(w, w.prng.bytes(32), 0), maxQueries: 40 }))
    expect(w.sent).toBeLessThanOrEqual(40)
    expect(r.queried).toBeLessThanOrEqual(40)
  })
})

describe('lookupProgress', () => {
  it('yields the events of a lookup, then returns its result', async () => {
    const { lookupProgress } = await import('../../../src/node/routing/lookup-progress.js')
    const w = new FakeWorld(100, 10)
    const target = w.prng.bytes(32)
    const it = lookupProgress(options(w, target, 0))
    const consume = (async () => {
      const seen: string[] = []
      for (;;) {
        const n = await it.next()
        if (n.done === true) return { seen, result: n.value }
        seen.push(n.value.type)
      }
    })()
    const { seen, result } = await w.clock.drive(consume)
    expect(seen.filter(t => t === 'query').length).toBe(result.queried)
    expect(seen.filter(t => t === 'reply').length).toBe(result.answered)
    expect(hex(result.closest)).toEqual(hex(w.closestTo(target, 10, n => n !== w.nodes[0])))
  })

  it('names in each reply event the contacts that peer returned, so a reader can ask them before the lookup ends', async () => {
    const w = new FakeWorld(200, 11)
    const target = w.prng.bytes(32)
    const heard = new Set<string>()
    const r = await w.clock.drive(runLookup({
      ...options(w, target, 0),
      onProgress: e => { if (e.type === 'reply') for (const c of e.contacts ?? []) heard.add(c.id.toString('hex')) }
    }))
    // Every node in the final k closest was first heard of in some reply (none of them was a seed here, or it was).
    const seeds = new Set(hex(options(w, target, 0).seeds))
    for (const id of hex(r.closest)) expect(heard.has(id) || seeds.has(id)).toBe(true)
    expect(heard.size).toBeGreaterThan(0)
  })
})
