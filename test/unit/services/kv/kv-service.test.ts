import { afterEach, describe, expect, it } from 'vitest'
import { isTornetError } from '../../../../src/node/errors.js'
import { KvErrorCode } from '../../../../src/node/services/kv/errors.js'
import { type KvService, createKvService } from '../../../../src/node/services/kv/kv-service.js'
import { KV_SERVICE, decodeStoreReply, encodeKvRequest } from '../../../../src/node/services/kv/messages.js'
import { type KvRecord, encodeRecord, recordLocation, signRecord } from '../../../../src/node/services/kv/record.js'
import { VALUE_KIND } from '../../../../src/node/services/service-network.js'
import { type MemoryServiceNetwork, type MemoryServiceNode, createMemoryNetwork } from '../../../helpers/memory-service-network.js'

const START = 1_700_000_000_000
let t = START
const now = (): number => t
const K = 6
let services: KvService[] = []

function setup (n = 30): { nodes: MemoryServiceNode[], kv: KvService[], network: MemoryServiceNetwork } {
  t = START
  const { network, nodes } = createMemoryNetwork(n, { k: K })
  const kv = nodes.map(node => createKvService({ network: node, identity: node.identity, now, republishIntervalMs: 0 }))
  for (const s of kv) s.start()
  services = kv
  return { network, nodes, kv }
}

afterEach(async () => {
  await Promise.all(services.map(async s => { await s.stop() }))
})

async function expectCode (p: Promise<unknown>, code: string): Promise<void> {
  const err = await p.then(() => undefined, (e: unknown) => e)
  expect(isTornetError(err, code), `expected ${code}, got ${String(err)}`).toBe(true)
}

/** Indexes of the nodes that hold a record for this location. */
function holders (kv: KvService[], location: Buffer): number[] {
  return kv.map((s, i) => s.store.get(location) !== undefined ? i : -1).filter(i => i >= 0)
}

/** A node whose record under `key` it does not hold as a replica itself, and that record's location. */
function outsider (network: MemoryServiceNetwork, nodes: MemoryServiceNode[], key: string): { o: number, loc: Buffer } {
  for (let o = 0; o < nodes.length; o++) {
    const loc = recordLocation(nodes[o].identity.publicKey, Buffer.from(key))
    if (!network.closestNodes(loc, K + 1).includes(nodes[o])) return { o, loc }
  }
  throw new Error('every node is a replica of its own record')
}

describe('kv service on a 30-node memory network', () => {
  it('puts on the k closest nodes and gets from any node', async () => {
    const { network, nodes, kv } = setup()
    const result = await kv[0].put('greeting', 'hello', { ttlMs: 60_000 })
    expect(result.accepted).toBeGreaterThanOrEqual(K)
    expect(result.refused).toEqual([])
    const location = recordLocation(nodes[0].identity.publicKey, Buffer.from('greeting'))
    const closest = network.closestNodes(location, K, nodes[0]).map(n => nodes.indexOf(n))
    expect(holders(kv, location).filter(i => i !== 0).sort()).toEqual(closest.sort())
    for (const i of [1, 17, 29]) {
      const got = await kv[i].get(nodes[0].identity.publicKey, 'greeting')
      expect(got?.value.toString()).toBe('hello')
    }
  })

  it('refuses a 1025-byte value and a 257-byte key before sending, and stores 1024 bytes', async () => {
    const { network, nodes, kv } = setup()
    const before = network.stats.requests
    await expectCode(kv[0].put('big', Buffer.alloc(1025)), KvErrorCode.TOO_LARGE)
    await expectCode(kv[0].put(Buffer.alloc(257, 1), 'v'), KvErrorCode.TOO_LARGE)
    await expectCode(kv[0].put('k', 'v', { ttlMs: 365 * 24 * 3600_000 }), KvErrorCode.TTL_TOO_LONG)
    expect(network.stats.requests).toBe(before)
    await kv[0].put('full', Buffer.alloc(1024, 0xab))
    expect((await kv[5].get(nodes[0].identity.publicKey, 'full'))?.value).toEqual(Buffer.alloc(1024, 0xab))
  })

  it('replicas answer a store with the reason they refuse it', async () => {
    const { nodes } = setup(3)
    const owner = nodes[0].identity
    const ask = async (record: KvRecord): Promise<unknown> => decodeStoreReply(
      await nodes[0].request(nodes[1].self, KV_SERVICE, encodeKvRequest({ type: 'store', record: encodeRecord(record) })))
    const good = signRecord(owner, { key: Buffer.from('a'), value: Buffer.from('1'), sequence: 7, expires: START + 1000 })
    expect(await ask(good)).toEqual({ accepted: true })
    expect(await ask(signRecord(owner, { ...good, sequence: 6 }))).toEqual({ accepted: false, code: KvErrorCode.STALE_SEQUENCE })
    expect(await ask({ ...good, sequence: 8 })).toEqual({ accepted: false, code: KvErrorCode.BAD_SIGNATURE })
    expect(await ask(signRecord(owner, { ...good, sequence: 9, expires: START - 1 }))).toEqual({ accepted: false, code: KvErrorCode.EXPIRED })
    expect(await ask(signRecord(owner, { ...good, sequence: 9, value: Buffer.alloc(1025) }))).toEqual({ accepted: false, code: KvErrorCode.TOO_LARGE })
    const garbage = await nodes[0].request(nodes[1].self, KV_SERVICE, Buffer.from('nonsense'))
    expect(decodeStoreReply(garbage)).toEqual({ accepted: false, code: KvErrorCode.MALFORMED })
  })

  it('a later put wins, and get takes the highest sequence even when the closest replica is stale', async () => {
    const { network, nodes, kv } = setup()
    const { o, loc } = outsider(network, nodes, 'song')
    const ns = nodes[o].identity.publicKey
    const nearest = network.closestNodes(loc, 30, nodes[o]).map(n => nodes.indexOf(n))
    const staleIdx = nearest[0]
    await kv[o].put('song', 'v1')
    t += 1
    network.setFault(nodes[staleIdx], { down: true })
    await kv[o].put('song', 'v2')
    network.setFault(nodes[staleIdx], undefined)
    expect(kv[staleIdx].store.get(loc)?.value.toString()).toBe('v1')
    // FIND_VALUE asks the nearest node first, so it is answered by the stale replica.
    const reader = nearest[nearest.length - 1]
    const found = await nodes[reader].findValue(loc, VALUE_KIND.kvRecord)
    expect(found?.from.id.equals(nodes[staleIdx].self.id)).toBe(true)
    const got = await kv[reader].get(ns, 'song')
    expect(got?.value.toString()).toBe('v2')
    // The stale replica was the closest one lacking the newest record: it was sent a copy.
    await kv[reader].stop()
    expect(kv[staleIdx].store.get(loc)?.value.toString()).toBe('v2')
    // An explicit lower sequence is refused by every replica.
    await expectCode(kv[o].put('song', 'old', { sequence: 1 }), KvErrorCode.STALE_SEQUENCE)
  })

  it('a lookup caches the record at the closest node on its path that lacked it', async () => {
    const { network, nodes, kv } = setup()
    const { o, loc } = outsider(network, nodes, 'cached')
    const nearest = network.closestNodes(loc, 30, nodes[o]).map(n => nodes.indexOf(n))
    network.setFault(nodes[nearest[0]], { down: true })
    await kv[o].put('cached', 'copy me')
    network.setFault(nodes[nearest[0]], undefined)
    expect(kv[nearest[0]].store.get(loc)).toBeUndefined()
    const reader = nearest[nearest.length - 1]
    const found = await nodes[reader].findValue(loc, VALUE_KIND.kvRecord)
    expect(found?.from.id).toEqual(nodes[nearest[1]].self.id)
    await new Promise(resolve => setImmediate(resolve))
    expect(kv[nearest[0]].store.get(loc)?.value.toString()).toBe('copy me')
  })

  it('ignores a replica that lies with a forged or misplaced record', async () => {
    const { network, nodes, kv } = setup()
    await kv[0].put('k', 'truth')
    const loc = recordLocation(nodes[0].identity.publicKey, Buffer.from('k'))
    const [liar] = network.closestNodes(loc, 1, nodes[0])
    const forged = signRecord(nodes[0].identity, { key: Buffer.from('k'), value: Buffer.from('truth'), sequence: Number.MAX_SAFE_INTEGER, expires: START + 1000 })
    forged.value = Buffer.from('lie')
    const misplaced = signRecord(liar.identity, { key: Buffer.from('k'), value: Buffer.from('lie'), sequence: Number.MAX_SAFE_INTEGER, expires: START + 1000 })
    for (const fake of [forged, misplaced]) {
      network.setFault(liar, {
        onValue: () => encodeRecord(fake),
        onRequest: async () => Buffer.concat([Buffer.of(1), encodeRecord(fake)])
      })
      expect((await kv[20].get(nodes[0].identity.publicKey, 'k'))?.value.toString()).toBe('truth')
    }
  })

  it('returns undefined for a missing key and for an expired record', async () => {
    const { nodes, kv } = setup()
    expect(await kv[3].get(nodes[0].identity.publicKey, 'nothing')).toBeUndefined()
    await kv[0].put('short', 'lived', { ttlMs: 1000 })
    expect((await kv[3].get(nodes[0].identity.publicKey, 'short'))?.value.toString()).toBe('lived')
    t += 1000
    expect(await kv[3].get(nodes[0].identity.publicKey, 'short')).toBeUndefined()
  })

  it('the owner republishes to the nodes that are closest now', async () => {
    const { network, nodes, kv } = setup()
    const { o, loc } = outsider(network, nodes, 'durable')
    const ns = nodes[o].identity.publicKey
    await kv[o].put('durable', 'still here')
    // Every node holding it leaves (the owner stays); the record is gone from the network.
    for (const i of holders(kv, loc)) if (i !== o) network.remove(nodes[i])
    const reader = nodes.findIndex(n => network.nodes.includes(n) && n !== nodes[o])
    expect(await kv[reader].get(ns, 'durable')).toBeUndefined()
    await kv[o].republish()
    expect((await kv[reader].get(ns, 'durable'))?.value.toString()).toBe('still here')
    expect(holders(kv, loc).filter(i => network.nodes.includes(nodes[i])).length).toBeGreaterThanOrEqual(K)
  })

  it('refuses to work before start()', async () => {
    const { nodes } = setup(2)
    const idle = createKvService({ network: nodes[0], identity: nodes[0].identity, now })
    await expectCode(idle.put('k', 'v'), KvErrorCode.NOT_RUNNING)
  })
})
