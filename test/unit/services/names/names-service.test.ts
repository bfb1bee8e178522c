import { afterEach, describe, expect, it } from 'vitest'
import { isTornetError } from '../../../../src/node/errors.js'
import { type VerifiedChain, decodeChain, encodeChain, verifyChain } from '../../../../src/node/services/names/chain.js'
import { NameErrorCode } from '../../../../src/node/services/names/errors.js'
import { decodeNamesRequest } from '../../../../src/node/services/names/messages.js'
import { nameKey } from '../../../../src/node/services/names/name.js'
import { type NamesService, createNamesService } from '../../../../src/node/services/names/names-service.js'
import { DAY_MS, MAX_TERM_MS, NO_PREVIOUS, TERM_MS, powBits } from '../../../../src/node/services/names/registration.js'
import { tryDecode } from '../../../../src/node/wire/codec.js'
import { type MemoryServiceNetwork, type MemoryServiceNode, createMemoryNetwork } from '../../../helpers/memory-service-network.js'
import { T0, contentTarget, link } from './fixtures.js'

const K = 8
const DIFFICULTY = 8
const clock = { t: T0 }
let running: NamesService[] = []

interface Net { network: MemoryServiceNetwork, nodes: MemoryServiceNode[], names: NamesService[], offsets: number[] }

function setup (n = 30, difficultyOf: (i: number) => number = () => DIFFICULTY): Net {
  clock.t = T0
  const { network, nodes } = createMemoryNetwork(n, { k: K })
  const offsets = new Array<number>(n).fill(0)
  const names = nodes.map((node, i) => createNamesService({
    network: node, identity: node.identity, now: () => clock.t + offsets[i], difficulty: difficultyOf(i), maintenanceIntervalMs: 0
  }))
  for (const s of names) s.start()
  running = names
  return { network, nodes, names, offsets }
}

afterEach(async () => {
  await Promise.all(running.map(async s => { await s.stop() }))
})

async function codeOf (p: Promise<unknown>): Promise<string | undefined> {
  const err = await p.then(() => undefined, (e: unknown) => e)
  return isTornetError(err) ? err.code : err === undefined ? undefined : String(err)
}

async function ownersSeen (names: NamesService[], name: string): Promise<Set<string>> {
  const owners = new Set<string>()
  for (const s of names) owners.add((await s.lookup(name)).owner.toString('hex'))
  return owners
}

describe('names service on a 30-node memory network', () => {
  it('registers a name and every node finds it', async () => {
    const { nodes, names } = setup()
    const target = contentTarget('home')
    const result = await names[0].register('Home', target)
    expect(result.name).toBe('home')
    expect(result.accepted).toBeGreaterThanOrEqual(K)
    expect(result.refused).toEqual([])
    for (const s of names) {
      const record = await s.lookup('HOME.tor-net')
      expect(record.owner).toEqual(nodes[0].identity.publicKey)
      expect(record.target).toEqual(target)
      expect(record.history).toHaveLength(1)
      expect(record.votes).toBe(record.answers)
    }
    expect(names[0].owned()).toEqual(['home'])
  })

  it('refuses invalid and reserved names before any traffic, and a taken name', async () => {
    const { network, names } = setup()
    const before = network.stats.requests
    expect(await codeOf(names[0].register('bad_name', contentTarget()))).toBe(NameErrorCode.INVALID)
    expect(await codeOf(names[0].register('tornet', contentTarget()))).toBe(NameErrorCode.RESERVED)
    expect(await codeOf(names[0].lookup('a..b'))).toBe(NameErrorCode.INVALID)
    expect(await codeOf(names[0].register('ok', { kind: 'mailbox', value: Buffer.alloc(31) }))).toBe(NameErrorCode.MALFORMED)
    expect(network.stats.requests).toBe(before)
    expect(await codeOf(names[1].lookup('nobody'))).toBe(NameErrorCode.NOT_FOUND)
    await names[0].register('shop', contentTarget())
    expect(await codeOf(names[1].register('shop', contentTarget('other')))).toBe(NameErrorCode.TAKEN)
  })

  it('two nodes racing for one name: every node agrees on the owner most replicas saw first', async () => {
    for (const [round, skew] of [[0, 0], [1, -1000], [2, 1000]] as const) {
      const net = setup()
      const { network, nodes, names, offsets } = net
      const name = `race${round}`
      // Record every claim the replicas were sent, and which one each replica saw first.
      const claims = new Map<string, VerifiedChain>()
      const firstAt = new Map<MemoryServiceNode, string>()
      for (const node of nodes) {
        network.setFault(node, {
          onRequest: async (req, real) => {
            const m = tryDecode(decodeNamesRequest, req.payload)
            const links = m?.type === 'store' ? tryDecode(decodeChain, m.chain) : undefined
            const v = links === undefined ? undefined : verifyChain(links, clock.t + 1000, { difficulty: DIFFICULTY, clockSkewMs: 600_000 })
            if (v?.ok === true && v.chain.name === name) {
              claims.set(v.chain.headId.toString('hex'), v.chain)
              if (!firstAt.has(node)) firstAt.set(node, v.chain.owner.toString('hex'))
            }
            return await real()
          }
        })
      }
      const [a, b] = [3, 17]
      offsets[b] = skew // b's clock runs early or late: its claim is dated differently
      const outcomes = await Promise.allSettled([names[a].register(name, contentTarget('a')), names[b].register(name, contentTarget('b'))])
      for (const o of outcomes) if (o.status === 'rejected') expect(isTornetError(o.reason, NameErrorCode.TAKEN)).toBe(true)
      expect(claims.size).toBe(2) // both claims really went out: a race, not first-come
      const owners = await ownersSeen(names, name)
      expect(owners.size).toBe(1)
      // Dates do not decide (b's clock is skewed both ways): the claim most replicas saw first does.
      const counts = new Map<string, number>()
      for (const o of firstAt.values()) counts.set(o, (counts.get(o) ?? 0) + 1)
      const [majority] = [...counts.entries()].sort((x, y) => y[1] - x[1])[0]
      const expected = [...claims.values()].find(c => c.owner.toString('hex') === majority) as VerifiedChain
      expect([...owners][0]).toBe(expected.owner.toString('hex'))
      expect([nodes[a], nodes[b]].some(n => n.identity.publicKey.equals(expected.owner))).toBe(true)
      // The register call that resolved is the winner's: the loser read the name back and learnt it lost.
      const winners = [a, b].filter((_, i) => outcomes[i].status === 'fulfilled')
      expect(winners.map(i => nodes[i].identity.publicKey.toString('hex'))).toEqual([expected.owner.toString('hex')])
      await Promise.all(names.map(async s => { await s.stop() }))
    }
  })

  it('replicas refuse a proof of work below their difficulty', async () => {
    const cheater = 29
    const { network, nodes, names } = setup(30, i => i === cheater ? 0 : 12)
    // A name whose cheap claim (nonce 0) proves fewer than 12 bits, and of which the cheater is no replica.
    let name = ''
    for (let i = 0; name === ''; i++) {
      const candidate = `cheap${i}`
      const replicas = network.closestNodes(nameKey(candidate), K + 1)
      if (replicas.includes(nodes[cheater])) continue
      const bits = powBits({
        name: candidate, owner: nodes[cheater].identity.publicKey, target: contentTarget(), created: T0,
        expires: T0 + MAX_TERM_MS, previous: NO_PREVIOUS, nonce: Buffer.alloc(8)
      })
      if (bits < 12) name = candidate
    }
    expect(await codeOf(names[cheater].register(name, contentTarget()))).toBe(NameErrorCode.POW_INSUFFICIENT)
    expect(await codeOf(names[0].lookup(name))).toBe(NameErrorCode.NOT_FOUND)
  })

  it('renewals build a history; the owner can change the target', async () => {
    const { nodes, names } = setup()
    await names[0].register('blog', contentTarget('v1'))
    clock.t = T0 + TERM_MS
    const renewed = await names[0].renew('blog')
    expect(renewed.chain).toHaveLength(2)
    clock.t += DAY_MS
    await names[0].register('blog', contentTarget('v2'))
    const record = await names[12].lookup('blog')
    expect(record.owner).toEqual(nodes[0].identity.publicKey)
    expect(record.history).toHaveLength(3)
    expect(record.since).toBe(T0)
    expect(record.target).toEqual(contentTarget('v2'))
    expect(record.expires).toBe(clock.t + MAX_TERM_MS)
    expect(await codeOf(names[5].renew('blog'))).toBe(NameErrorCode.TAKEN)
  })

  it('an expired name is free again, for anyone', async () => {
    const { nodes, names } = setup()
    await names[0].register('shop', contentTarget())
    clock.t = T0 + MAX_TERM_MS
    expect(await codeOf(names[7].lookup('shop'))).toBe(NameErrorCode.NOT_FOUND)
    await names[7].register('shop', contentTarget('new'))
    const owners = await ownersSeen(names, 'shop')
    expect([...owners]).toEqual([nodes[7].identity.publicKey.toString('hex')])
    // The old owner's renewal of its expired chain is refused everywhere.
    expect(await codeOf(names[0].renew('shop'))).toBe(NameErrorCode.TAKEN)
  })

  it('maintain re-sends a name to the nodes closest now, and renews it when a term is up', async () => {
    const { network, nodes, names } = setup()
    const key = nameKey('durable')
    // An owner that is not itself a replica, so that the name lives only where it was sent.
    const o = nodes.findIndex(n => !network.closestNodes(key, K + 1).includes(n))
    await names[o].register('durable', contentTarget())
    for (const node of nodes) if (node !== nodes[o] && names[nodes.indexOf(node)].registry.get('durable') !== undefined) network.remove(node)
    const reader = names[nodes.findIndex(n => n !== nodes[o] && network.nodes.includes(n))]
    expect(await codeOf(reader.lookup('durable'))).toBe(NameErrorCode.NOT_FOUND)
    await names[o].maintain()
    expect((await reader.lookup('durable')).history).toHaveLength(1)
    clock.t = T0 + TERM_MS
    await names[o].maintain()
    const record = await reader.lookup('durable')
    expect(record.history).toHaveLength(2)
    expect(record.expires).toBe(T0 + TERM_MS + MAX_TERM_MS)
  })

  it('one lying replica cannot hand the name to a backdated claim', async () => {
    const { network, nodes, names } = setup()
    await names[0].register('bank', contentTarget('real'))
    const mallory = nodes[29].identity
    const forged = encodeChain([await link(mallory, { name: 'bank', created: T0 - DAY_MS, target: contentTarget('fake'), difficulty: DIFFICULTY })])
    const [liar] = network.closestNodes(nameKey('bank'), 1)
    network.setFault(liar, {
      onValue: () => forged,
      onRequest: async (req, real) => decodeNamesRequest(req.payload).type === 'get' ? Buffer.concat([Buffer.of(1), forged]) : await real()
    })
    for (const s of names) {
      if (s === names.find((_, i) => nodes[i] === liar)) continue
      const record = await s.lookup('bank')
      expect(record.owner).toEqual(nodes[0].identity.publicKey)
      expect(record.votes).toBeGreaterThan(record.answers / 2)
    }
  })

  it('refuses to work before start()', async () => {
    const { nodes } = setup(2)
    const idle = createNamesService({ network: nodes[0], identity: nodes[0].identity })
    expect(await codeOf(idle.lookup('shop'))).toBe(NameErrorCode.NOT_RUNNING)
  })
})
