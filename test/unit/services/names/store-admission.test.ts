import { afterEach, describe, expect, it } from 'vitest'
import { generateIdentity } from '../../../../src/node/identity/identity.js'
import { encodeChain } from '../../../../src/node/services/names/chain.js'
import { NameErrorCode } from '../../../../src/node/services/names/errors.js'
import { NAMES_SERVICE, type NameStoreReply, decodeNameStoreReply, encodeNamesRequest } from '../../../../src/node/services/names/messages.js'
import { nameKey } from '../../../../src/node/services/names/name.js'
import { type NamesService, createNamesService } from '../../../../src/node/services/names/names-service.js'
import type { Registration } from '../../../../src/node/services/names/registration.js'
import { type MemoryServiceNetwork, type MemoryServiceNode, createMemoryNetwork } from '../../../helpers/memory-service-network.js'
import { T0, TEST_POLICY, link } from './fixtures.js'

/** Item 7 of issue 12, names half: the same replica rule and per-peer quota as kv. */
const clock = { t: T0 }
let running: NamesService[] = []

afterEach(async () => {
  await Promise.all(running.map(async s => { await s.stop() }))
  running = []
})

function setup (n: number, k: number, extra: Partial<Parameters<typeof createNamesService>[0]> = {}): { network: MemoryServiceNetwork, nodes: MemoryServiceNode[], names: NamesService[] } {
  clock.t = T0
  const { network, nodes } = createMemoryNetwork(n, { k })
  const names = nodes.map(node => createNamesService({
    network: node, identity: node.identity, now: () => clock.t, difficulty: TEST_POLICY.difficulty, maintenanceIntervalMs: 0, ...extra
  }))
  for (const s of names) s.start()
  running = names
  return { network, nodes, names }
}

async function store (from: MemoryServiceNode, to: MemoryServiceNode, links: Registration[]): Promise<NameStoreReply> {
  return decodeNameStoreReply(await from.request(to.self, NAMES_SERVICE, encodeNamesRequest({ type: 'store', chain: encodeChain(links) })))
}

describe('names stores are taken only by replicas', () => {
  it('a registration for a name this node is far from is refused (NAME_NOT_REPLICA); one it is near is kept', async () => {
    const { network, nodes, names } = setup(40, 6, { replicaSpan: 9 })
    const owner = generateIdentity()
    const target = nodes[0]
    let far: string | undefined
    let near: string | undefined
    for (let i = 0; (far === undefined || near === undefined) && i < 10_000; i++) {
      const rank = network.closestNodes(nameKey(`n${i}`), 40).indexOf(target)
      if (rank >= 20) far ??= `n${i}`
      if (rank >= 0 && rank < 3) near ??= `n${i}`
    }
    if (far === undefined || near === undefined) throw new Error('no suitable names')
    expect(await store(nodes[1], target, [await link(owner, { name: far, created: T0 })])).toEqual({ accepted: false, code: NameErrorCode.NOT_REPLICA })
    expect(names[0].registry.get(far)).toBeUndefined()
    expect(await store(nodes[1], target, [await link(owner, { name: near, created: T0 })])).toEqual({ accepted: true })
    expect(names[0].registry.get(near)?.owner).toEqual(owner.publicKey)
  })

  it('one peer registering many names is cut off at its hourly quota; another peer still fits', async () => {
    const { nodes, names } = setup(3, 6, { quota: { perHour: 20, maxHeldPerPeer: 30 } })
    const [replica, flooder, honest] = nodes
    const squatter = generateIdentity()
    const verdicts: NameStoreReply[] = []
    for (let i = 0; i < 60; i++) verdicts.push(await store(flooder, replica, [await link(squatter, { name: `squat${i}`, created: T0 })]))
    expect(verdicts.filter(v => v.accepted).length).toBe(20)
    expect(verdicts.slice(20).every(v => !v.accepted && v.code === NameErrorCode.OVER_QUOTA)).toBe(true)
    const mine = await link(honest.identity, { name: 'honest', created: T0 })
    expect(await store(honest, replica, [mine])).toEqual({ accepted: true })
    expect(names[0].registry.size).toBe(21)
  })
})
