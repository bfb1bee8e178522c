import { describe, expect, it } from 'vitest'
import { DhtTestnet } from '../../../src/node/routing/simulator/dht-testnet.js'
import { Dht, type DhtOptions } from '../../../src/node/routing/dht.js'
import { makeContact, type Contact } from '../../../src/node/routing/contact.js'
import { nodeIdOf } from '../../../src/node/identity/identity.js'
import { encodeRoutingMessage, decodeRoutingMessage, ValueKind } from '../../../src/node/wire/routing-messages.js'
import { isTornetError } from '../../../src/node/errors.js'
import { ContactMemory, type ContactDb } from '../../../src/node/routing/contact-memory.js'

const isCode = (code: string) => (e: unknown) => isTornetError(e, code)

async function joined (size: number, seed = 1): Promise<DhtTestnet> {
  const t = new DhtTestnet(size, { seed, loss: 0, latency: { sigma: 0.2 } })
  await t.joinAll()
  return t
}

/** A ContactDb in memory, shaped like an lmdb Database. */
function memoryDb (): ContactDb & { map: Map<string, Buffer> } {
  const map = new Map<string, Buffer>()
  return {
    map,
    getRange: () => [...map.entries()].map(([k, v]) => ({ key: Buffer.from(k, 'hex'), value: v })),
    put: async (k, v) => { map.set(k.toString('hex'), v); return true },
    remove: async k => map.delete(k.toString('hex'))
  }
}

describe('Dht', () => {
  it('counts a FIND_VALUE miss once per asking peer: repeating a query does not inflate the not-found count', async () => {
    const t = await joined(30, 9)
    for (const d of t.dhts) d.registerValueProvider(ValueKind.chunk, { get: () => undefined })
    const missing = t.prng.bytes(32)
    const near = t.dhts.find(d => d.self.id.toString('hex') === t.truth(missing, 1)[0]) as Dht
    const [a, b] = t.dhts.filter(d => d !== near)
    for (let i = 0; i < 5; i++) await t.clock.drive(a.findValue(missing, ValueKind.chunk))
    expect(near.demand.count(missing, t.clock.now())).toBe(1)
    await t.clock.drive(b.findValue(missing, ValueKind.chunk))
    expect(near.demand.count(missing, t.clock.now())).toBe(2)
  })

  it('ends a FIND_VALUE early (notFoundStop) once the closest nodes report a key missed by enough distinct askers', async () => {
    const t = await joined(80, 12)
    for (const d of t.dhts) d.registerValueProvider(ValueKind.chunk, { get: () => undefined })
    const missing = t.prng.bytes(32)
    const stop = { count: 8, quorum: 3 }
    const [asker, ...others] = t.dhts.filter(d => !t.truth(missing, 30).includes(d.self.id.toString('hex')))
    // Seven distinct peers searched in vain; the asker's own search makes the eighth vote.
    for (const d of others.slice(0, 7)) await t.clock.drive(d.findValue(missing, ValueKind.chunk))
    const early = await t.clock.drive(asker.findValue(missing, ValueKind.chunk, { notFoundStop: stop }))
    expect(early.stoppedEarly).toBe(true)
    expect(early.value).toBeUndefined()
    expect(early.notFound).toBeGreaterThanOrEqual(8)
    // The same search without the stop asks more nodes (the asker's vote is counted already).
    const full = await t.clock.drive(asker.findValue(missing, ValueKind.chunk))
    expect(full.stoppedEarly ?? false).toBe(false)
    expect(early.queried).toBeLessThan(full.queried)

    // One peer repeating its search is one vote: no early stop on a fresh key however often it asks.
    const other = t.prng.bytes(32)
    const repeater = others[10]
    for (let i = 0; i < 10; i++) await t.clock.drive(repeater.findValue(other, ValueKind.chunk))
    const again = await t.clock.drive(repeater.findValue(other, ValueKind.chunk, { notFoundStop: stop }))
    expect(again.stoppedEarly ?? false).toBe(false)
  })

  it('joins from a bare endpoint and learns who answered', async () => {
    const t = new DhtTestnet(2, { seed: 3 })
    const r = await t.clock.drive(t.dhts[1].bootstrap([t.nodes[0].contact.endpoint]))
    expect(r.reached).toBe(1)
    const seed = t.dhts[1].table.get(t.nodes[0].contact.id)
    expect(seed?.publicKey).toEqual(t.nodes[0].contact.publicKey)
    expect(seed?.rank).toBe(t.nodes[0].contact.rank)
    expect(seed?.rttMs).toBeGreaterThan(0)
    // The seed learned the newcomer from its requests.
    expect(t.dhts[0].table.has(t.nodes[1].contact.id)).toBe(true)
  })

  it('fails to bootstrap with ROUTING_BOOTSTRAP_FAILED when nobody answers', async () => {
    const t = new DhtTestnet(2, { seed: 4 })
    t.nodes[0].alive = false
    await expect(t.clock.drive(t.dhts[1].bootstrap([t.nodes[0].contact.endpoint, { address: '192.0.2.1', port: 9 }])))
      .rejects.toSatisfy(isCode('ROUTING_BOOTSTRAP_FAILED'))
  })

  it('finds values through providers, counts misses on the path and caches along it', async () => {
    const t = await joined(80, 5)
    const key = t.prng.bytes(32)
    const holderHex = t.truth(key, 1)[0]
    const value = Buffer.from('a chunk')
    const misses: number[] = []
    const cached: number[] = []
    t.dhts.forEach((d, i) => {
      const mine = d.self.id.toString('hex') === holderHex
      d.registerValueProvider(ValueKind.chunk, {
        get: k => (mine && k.equals(key)) ? value : undefined,
        onMiss: (_k, _from, n) => { misses.push(n) },
        cache: (k, v) => { if (k.equals(key) && v.equals(value)) cached.push(i); return true }
      })
    })
    const asker = t.dhts.find(d => d.self.id.toString('hex') !== holderHex) as Dht
    const r = await t.clock.drive(asker.findValue(key, ValueKind.chunk))
    expect(r.value).toEqual(value)
    expect(r.valueFrom?.id.toString('hex')).toBe(holderHex)
    expect(misses.length).toBeGreaterThan(0)
    await t.clock.runUntil(t.clock.now() + 5000)
    expect(cached).toEqual([t.dhts.findIndex(d => d.self.id.equals(r.cacheCandidate?.id as Buffer))])

    // A key nobody has: the nodes asked remember the misses and report them to the next searcher.
    const missing = t.prng.bytes(32)
    const first = await t.clock.drive(t.dhts[10].findValue(missing, ValueKind.chunk))
    expect(first.value).toBeUndefined()
    const second = await t.clock.drive(t.dhts[20].findValue(missing, ValueKind.chunk))
    expect(second.notFound).toBeGreaterThanOrEqual(1)
    const near = t.dhts.find(d => d.self.id.toString('hex') === t.truth(missing, 1)[0]) as Dht
    expect(near.demand.count(missing, t.clock.now())).toBeGreaterThanOrEqual(1)
  })

  it('rejects forged values that fail validation and finds the real one', async () => {
    const t = await joined(60, 6)
    const key = t.prng.bytes(32)
    const holderHex = t.truth(key, 1)[0]
    const asker = t.dhts.find(d => d.self.id.toString('hex') !== holderHex) as Dht
    const real = Buffer.from('real')
    t.dhts.forEach((d, i) => {
      if (d === asker) {
        d.registerValueProvider(ValueKind.kv, { get: () => undefined, validate: (_k, v) => v.equals(real) })
        return
      }
      const mine = d.self.id.toString('hex') === holderHex
      // Every third node forges an answer for any key.
      d.registerValueProvider(ValueKind.kv, { get: () => mine ? real : (i % 3 === 0 ? Buffer.from('forged') : undefined) })
    })
    const r = await t.clock.drive(asker.findValue(key, ValueKind.kv))
    expect(r.value).toEqual(real)
    expect(r.valueFrom?.id.toString('hex')).toBe(holderHex)
  })

  it('drops malformed requests with ROUTING_BAD_REQUEST', async () => {
    const t = new DhtTestnet(2, { seed: 7 })
    const from = t.nodes[1].contact
    await expect(t.dhts[0].handleRequest(from, Buffer.from([0xff, 1, 2]))).rejects.toSatisfy(isCode('ROUTING_BAD_REQUEST'))
    await expect(t.dhts[0].handleRequest(from, encodeRoutingMessage({ type: 'nodes', contacts: [] }))).rejects.toSatisfy(isCode('ROUTING_BAD_REQUEST'))
    const pong = decodeRoutingMessage(await t.dhts[0].handleRequest(from, encodeRoutingMessage({ type: 'ping' })))
    expect(pong.type === 'pong' && pong.self.id.equals(t.nodes[0].contact.id)).toBe(true)
    expect(pong.type === 'pong' && pong.observed).toEqual(from.endpoint)
  })

  it('still finds the closest nodes when many peers lie', async () => {
    const t = await joined(150, 8)
    const fake = (i: number): Buffer => encodeRoutingMessage({
      type: 'nodes',
      contacts: Array.from({ length: i }, () => ({ id: t.prng.bytes(32), endpoint: { address: '10.250.0.1', port: 9 } }))
    })
    // A third of the nodes lie, each in its own way, from now on.
    t.nodes.forEach((n, i) => {
      if (i === 0 || i % 3 !== 0) return
      const honest = n.handler
      const mode = (i / 3) % 5
      n.handler = async (from, payload) => {
        const m = decodeRoutingMessage(payload)
        if (m.type !== 'find') return await (honest as NonNullable<typeof honest>)(from, payload)
        switch (mode) {
          case 0: return t.prng.bytes(1 + t.prng.int(80)) // garbage bytes
          case 1: return fake(m.request.count) // unreachable contacts
          case 2: { // huge list: more contacts than any reply may carry
            const b = Buffer.from(fake(32)); b[1] = 200; return Buffer.concat([b, Buffer.alloc(168 * 39)])
          }
          case 3: // real endpoints under wrong ids (the link layer refuses the mismatch)
            return encodeRoutingMessage({ type: 'nodes', contacts: t.nodes.slice(0, m.request.count).map(x => ({ id: t.prng.bytes(32), endpoint: x.contact.endpoint })) })
          default: // made-up keys at real endpoints (a key on the wire names its id, so the handshake refuses them)
            return encodeRoutingMessage({ type: 'nodes', contacts: t.nodes.slice(0, m.request.count).map(x => ({ id: t.prng.bytes(32), endpoint: x.contact.endpoint, publicKey: t.prng.bytes(32), nonce: t.prng.bytes(8) })) })
        }
      }
    })
    // Nodes that send garbage or oversized lists are failed peers; the others answer (with lies).
    const failing = new Set(t.nodes.filter((_, i) => i !== 0 && i % 3 === 0 && [0, 2].includes((i / 3) % 5)).map(n => n.contact.id.toString('hex')))
    let lying = 0
    for (let i = 0; i < 25; i++) {
      const target = t.prng.bytes(32)
      const from = t.dhts[1 + 3 * t.prng.int(40) + 1]
      const r = await t.clock.drive(from.findNode(target))
      lying += r.lying + r.failed
      const truth = t.truth(target, 40, from.self.id).filter(h => !failing.has(h))
      expect(r.closest[0].id.toString('hex')).toBe(truth[0])
      expect(r.closest.length).toBe(20)
    }
    expect(lying).toBeGreaterThan(0)
  })

  it('pings the oldest contact of a full bucket and replaces it only if it is gone', async () => {
    const t = new DhtTestnet(10, { seed: 9 }, { table: { k: 1, subBucketBits: 0, questionableAfterMs: 0 } })
    const me = t.dhts[0]
    // Find two peers in the same bucket of node 0 (k = 1, one bucket per level).
    const others = t.nodes.slice(1)
    const level = (id: Buffer): number => { let l = 0; while (l < 256 && ((id[l >> 3] ^ t.nodes[0].contact.id[l >> 3]) & (0x80 >> (l & 7))) === 0) l++; return l }
    const pair = others.flatMap((a, i) => others.slice(i + 1).map(b => [a, b])).find(([a, b]) => level(a.contact.id) === level(b.contact.id))
    expect(pair).toBeDefined()
    const [old, fresh] = pair as NonNullable<typeof pair>
    me.onContactSeen({ ...old.contact, rank: 0 }, 30)
    me.onContactSeen({ ...fresh.contact, rank: 0 }, 30) // full bucket: the old one is pinged and answers
    await t.clock.runUntil(t.clock.now() + 5000)
    expect(me.table.has(old.contact.id)).toBe(true)
    expect(me.table.has(fresh.contact.id)).toBe(false)
    old.alive = false
    me.onContactSeen({ ...fresh.contact, rank: 0 }, 30) // ping goes unanswered: evicted
    await t.clock.runUntil(t.clock.now() + 60_000)
    expect(me.table.has(old.contact.id)).toBe(false)
    expect(me.table.has(fresh.contact.id)).toBe(true)
  })

  it('refreshes stale buckets on its timer, re-joins when the table empties, and stops cleanly', async () => {
    const t = await joined(40, 10)
    const d = t.dhts[5]
    const memory = memoryDb()
    const withMemory = new Dht(t.nodes[5].port, { clock: t.clock, randomBytes: n => t.prng.bytes(n), allowPrivateEndpoints: true, memory: new ContactMemory(memory), refreshCheckMs: 60_000, table: { refreshAfterMs: 120_000 } })
    t.nodes[5].handler = async (from, payload) => await withMemory.handleRequest(from, payload)
    await t.clock.drive(withMemory.bootstrap([t.nodes[0].contact.endpoint]))
    withMemory.start()
    const before = t.net.messages
    await t.clock.runUntil(t.clock.now() + 10 * 60_000)
    expect(t.net.messages).toBeGreaterThan(before) // refresh lookups went out
    expect(memory.map.size).toBeGreaterThan(0) // and the table was remembered
    // Lose every contact: the next refresh bootstraps again from the remembered seeds.
    for (const c of withMemory.table.all()) withMemory.table.remove(c.id)
    expect(withMemory.table.size).toBe(0)
    await t.clock.drive(withMemory.refresh())
    expect(withMemory.table.size).toBeGreaterThan(0)
    await withMemory.stop()
    await expect(withMemory.findNode(t.prng.bytes(32))).rejects.toSatisfy(isCode('ROUTING_STOPPED'))
    expect(d.table.size).toBeGreaterThan(0)
  })

  it('asks for contacts by key (no nonces) by default and gets keys that hash to the ids', async () => {
    const look = async (opts: Partial<DhtOptions>): Promise<{ flags: Array<[boolean, boolean | undefined]>, closest: Contact[], nonces: number }> => {
      const t = new DhtTestnet(60, { seed: 13, loss: 0, latency: { sigma: 0.2 } }, opts)
      await t.joinAll()
      const flags: Array<[boolean, boolean | undefined]> = []
      let nonces = 0
      for (const n of t.nodes) {
        const honest = n.handler as NonNullable<typeof n.handler>
        n.handler = async (from, payload) => {
          const m = decodeRoutingMessage(payload)
          if (m.type === 'find') flags.push([m.request.wantKeys, m.request.wantNonces])
          const reply = await honest(from, payload)
          const back = decodeRoutingMessage(reply)
          if (back.type === 'nodes') nonces += back.contacts.filter(c => c.nonce !== undefined).length
          return reply
        }
      }
      const r = await t.clock.drive(t.dhts[7].findNode(t.prng.bytes(32)))
      return { flags, closest: r.closest, nonces }
    }
    const keyed = await look({})
    expect(keyed.flags.length).toBeGreaterThan(0)
    expect(keyed.flags.every(([k, n]) => k && n === undefined)).toBe(true)
    expect(keyed.nonces).toBe(0)
    for (const c of keyed.closest) expect(nodeIdOf(c.publicKey as Buffer)).toEqual(c.id)
    const ranked = await look({ wantNonces: true })
    expect(ranked.flags.every(([k, n]) => k && n === true)).toBe(true)
    expect(ranked.nonces).toBeGreaterThan(0)
    const bare = await look({ wantKeys: false })
    expect(bare.flags.every(([k, n]) => !k && n === undefined)).toBe(true)
    expect(bare.closest.length).toBe(20)
  })

  it('validates provider registration', () => {
    const t = new DhtTestnet(1)
    const d = t.dhts[0]
    d.registerValueProvider(1, { get: () => undefined })
    expect(() => d.registerValueProvider(1, { get: () => undefined })).toThrow(/already/)
    expect(() => d.registerValueProvider(0, { get: () => undefined })).toThrow(/1\.\.255/)
    expect(isTornetError((() => { try { d.registerValueProvider(256, { get: () => undefined }) } catch (e) { return e } })(), 'ROUTING_BAD_VALUE_KIND')).toBe(true)
    expect(makeContact(Buffer.alloc(32), { address: '::1', port: 1 }).rank).toBe(0)
  })
})
