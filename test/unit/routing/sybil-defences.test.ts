import { describe, expect, it } from 'vitest'
import { sha256 } from '../../../src/node/crypto/hash.js'
import { compareDistance } from '../../../src/node/routing/distance.js'
import { runLookup, type LookupOptions } from '../../../src/node/routing/lookup.js'
import { networkRttSample, RequestTimeouts } from '../../../src/node/routing/request-timeouts.js'
import { FakeWorld, type WorldNode } from './fake-world.js'

/**
 * A lookup on a network where 10% of the nodes collude: they answer every
 * request with each other (never an honest node) and a FIND_VALUE with a
 * garbage value. The chunk verifies by hash, so the lookup keeps searching
 * past garbage; disjoint paths keep the attackers from capturing it.
 */
function world (seed: number): { w: FakeWorld, evil: Set<WorldNode> } {
  const w = new FakeWorld(300, seed)
  const evil = new Set<WorldNode>()
  for (let i = 0; i < 30; i++) evil.add(w.nodes[i * 10 + 3])
  for (const n of evil) {
    n.answer = req => {
      if (req.kind !== 0) return { contacts: [], value: Buffer.from('garbage, not the chunk') }
      const colluders = [...evil].map(e => e.contact).sort((a, b) => compareDistance(req.target, a.id, b.id)).slice(0, req.count)
      return { contacts: colluders }
    }
  }
  return { w, evil }
}

function place (w: FakeWorld, evil: Set<WorldNode>, value: Buffer): Buffer {
  const target = sha256(value)
  for (const n of w.nodes) n.value = undefined
  for (const c of w.closestTo(target, 10, n => !evil.has(n))) w.node(c).value = value
  return target
}

function options (w: FakeWorld, target: Buffer, origin: WorldNode, over: Partial<LookupOptions>): LookupOptions {
  return {
    target,
    kind: 1,
    seeds: origin.knows,
    query: w.query,
    clock: w.clock,
    rtt: new RequestTimeouts({}, networkRttSample()),
    self: origin.contact.id,
    k: 10,
    ...over
  }
}

describe('lookups with 10% of the nodes answering garbage', () => {
  it('verified values and 2 disjoint paths find the chunk every time; taking values as they come does not', async () => {
    const { w, evil } = world(5)
    const honest = w.nodes.filter(n => !evil.has(n))
    let verified = 0
    let unverified = 0
    const lookups = 40
    for (let i = 0; i < lookups; i++) {
      const value = w.prng.bytes(48)
      const target = place(w, evil, value)
      const origin = honest[w.prng.int(honest.length)]
      const good = await w.clock.drive(runLookup(options(w, target, origin, { paths: 2, acceptValue: v => sha256(v).equals(target) })))
      if (good.value?.equals(value) === true) verified++
      const naive = await w.clock.drive(runLookup(options(w, target, origin, {})))
      if (naive.value?.equals(value) === true) unverified++
    }
    expect(verified).toBe(lookups)
    expect(unverified).toBeLessThan(lookups)
  })

  it('disjoint paths never ask the same node twice, and a verified value ends every path', async () => {
    const { w, evil } = world(6)
    const value = w.prng.bytes(48)
    const target = place(w, evil, value)
    const origin = w.nodes.find(n => !evil.has(n)) as WorldNode
    const asked = new Map<string, number>()
    const r = await w.clock.drive(runLookup(options(w, target, origin, {
      paths: 3,
      acceptValue: v => sha256(v).equals(target),
      onProgress: e => { if (e.type === 'query') asked.set(e.contact.id.toString('hex'), (asked.get(e.contact.id.toString('hex')) ?? 0) + 1) }
    })))
    expect(r.value?.equals(value)).toBe(true)
    expect([...asked.values()].every(n => n === 1)).toBe(true)
    expect(w.inFlight).toBe(0)
  })

  it('a FIND_NODE over disjoint paths reports the true k closest, merged from all paths', async () => {
    const w = new FakeWorld(300, 7)
    const target = w.prng.bytes(32)
    const origin = w.nodes[0]
    const r = await w.clock.drive(runLookup(options(w, target, origin, { kind: 0, paths: 2 })))
    const truth = w.closestTo(target, 10, n => n !== origin)
    expect(r.closest.map(c => c.id.toString('hex'))).toEqual(truth.map(c => c.id.toString('hex')))
  })

  it('admitContact drops contacts before they are asked, counted as lies', async () => {
    const w = new FakeWorld(200, 8)
    const target = w.prng.bytes(32)
    const origin = w.nodes[0]
    const banned = new Set(w.closestTo(target, 5).map(c => c.id.toString('hex')))
    const asked: string[] = []
    const r = await w.clock.drive(runLookup(options(w, target, origin, {
      kind: 0,
      seeds: origin.knows.filter(c => !banned.has(c.id.toString('hex'))),
      admitContact: c => !banned.has(c.id.toString('hex')),
      onProgress: e => { if (e.type === 'query') asked.push(e.contact.id.toString('hex')) }
    })))
    expect(asked.some(h => banned.has(h))).toBe(false)
    expect(r.closest.some(c => banned.has(c.id.toString('hex')))).toBe(false)
    expect(r.lying).toBeGreaterThan(0)
  })
})
