import { afterEach, describe, expect, it } from 'vitest'
import { generateIdentity } from '../../../../src/node/identity/identity.js'
import { encodeChain } from '../../../../src/node/services/names/chain.js'
import { NameErrorCode } from '../../../../src/node/services/names/errors.js'
import {
  NAMES_SERVICE, decodeNameStoreReply, decodeNamesRequest, encodeNamesRequest
} from '../../../../src/node/services/names/messages.js'
import { nameKey } from '../../../../src/node/services/names/name.js'
import { NameRegistry } from '../../../../src/node/services/names/name-registry.js'
import { type NamesService, createNamesService } from '../../../../src/node/services/names/names-service.js'
import { tryDecode } from '../../../../src/node/wire/codec.js'
import { createMemoryNetwork } from '../../../helpers/memory-service-network.js'
import { T0, TEST_POLICY, contentTarget, link } from './fixtures.js'

/**
 * Item 12 of issue 12: a claim's own `created` date is the claimant's word. A
 * node that sees a registration go by must not win the name by sending a claim
 * dated a little earlier: replicas keep the claim they saw first.
 */
let running: NamesService[] = []
afterEach(async () => {
  await Promise.all(running.map(async s => { await s.stop() }))
  running = []
})

describe('names front-running', () => {
  it('a claim arriving later with an earlier self-declared created loses to the one the replica saw first', async () => {
    const clock = { t: T0 }
    const reg = new NameRegistry({ now: () => clock.t, policy: TEST_POLICY })
    const [alice, mallory] = [generateIdentity(), generateIdentity()]
    expect(reg.offer([await link(alice, { name: 'shop', created: T0 })])).toEqual({ accepted: true, changed: true })
    // Mallory saw it go by and, 20 s later, sends a claim dated a minute before it.
    clock.t = T0 + 20_000
    const backdated = await link(mallory, { name: 'shop', created: T0 - 60_000 })
    expect(reg.offer([backdated])).toEqual({ accepted: false, code: NameErrorCode.TAKEN })
    expect(reg.get('shop')?.owner).toEqual(alice.publicKey)
    // Even a claim dated to the same millisecond, with the lower key, cannot displace it.
    clock.t = T0 + 1
    const sameTime = await link(mallory, { name: 'shop', created: T0 })
    expect(reg.offer([sameTime])).toEqual({ accepted: false, code: NameErrorCode.TAKEN })
    expect(reg.get('shop')?.owner).toEqual(alice.publicKey)
  })

  it('on a network, a backdated claim sent to every replica right after a registration does not take the name', async () => {
    const clock = { t: T0 }
    const K = 8
    const { network, nodes } = createMemoryNetwork(30, { k: K })
    const names = nodes.map(node => createNamesService({
      network: node, identity: node.identity, now: () => clock.t, difficulty: TEST_POLICY.difficulty, maintenanceIntervalMs: 0
    }))
    for (const s of names) s.start()
    running = names
    const alice = 0
    const mallory = 29
    await names[alice].register('bank', contentTarget('real'))
    clock.t += 5_000
    const forged = encodeChain([await link(nodes[mallory].identity, { name: 'bank', created: T0 - 60_000, target: contentTarget('fake') })])
    const holders = nodes.filter((n, i) => i !== mallory && names[i].registry.get('bank') !== undefined)
    // Mallory may be one of the K replicas itself; every other replica must hold the name.
    expect(holders.length).toBeGreaterThanOrEqual(K - 1)
    const replies = await Promise.all(holders.map(async r =>
      decodeNameStoreReply(await nodes[mallory].request(r.self, NAMES_SERVICE, encodeNamesRequest({ type: 'store', chain: forged })))))
    expect(replies.every(r => !r.accepted && r.code === NameErrorCode.TAKEN)).toBe(true)
    for (const i of [1, 7, 15, 29]) expect((await names[i].lookup('bank')).owner).toEqual(nodes[alice].identity.publicKey)
  })

  it('register does not reveal the name to the network before its proof of work is done', async () => {
    // A clock that moves 1 ms each time it is read: `created` is read when mining starts.
    const clock = { t: T0 }
    const { network, nodes } = createMemoryNetwork(12, { k: 6 })
    const names = nodes.map(node => createNamesService({
      network: node, identity: node.identity, now: () => clock.t++, difficulty: TEST_POLICY.difficulty, maintenanceIntervalMs: 0
    }))
    for (const s of names) s.start()
    running = names
    let firstSeen: number | undefined
    for (const node of nodes) {
      network.setFault(node, {
        onRequest: async (req, real) => {
          const m = tryDecode(decodeNamesRequest, req.payload)
          if (m?.type === 'get' && m.name === 'secret') firstSeen ??= clock.t
          return await real()
        },
        onValue: (q, real) => { if (q.key.equals(nameKey('secret'))) firstSeen ??= clock.t; return real }
      })
    }
    const r = await names[0].register('secret', contentTarget())
    expect(firstSeen).toBeDefined()
    expect(r.registration.created).toBeLessThan(firstSeen as number)
  })
})
