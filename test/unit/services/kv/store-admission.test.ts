import { afterEach, describe, expect, it } from 'vitest'
import { generateIdentity } from '../../../../src/node/identity/identity.js'
import { KvErrorCode } from '../../../../src/node/services/kv/errors.js'
import { type KvService, createKvService } from '../../../../src/node/services/kv/kv-service.js'
import { KV_SERVICE, type StoreReply, decodeStoreReply, encodeKvRequest } from '../../../../src/node/services/kv/messages.js'
import { type KvRecord, encodeRecord, recordLocation, signRecord } from '../../../../src/node/services/kv/record.js'
import { type MemoryServiceNetwork, type MemoryServiceNode, createMemoryNetwork } from '../../../helpers/memory-service-network.js'

/**
 * Item 7 of issue 12: a replica takes a STORE only for a location it is (nearly) one of the
 * replicas of, and only so many new records per peer per hour.
 */
const START = 1_700_000_000_000
let t = START
const now = (): number => t
const HOUR = 3600_000
let services: KvService[] = []

afterEach(async () => {
  await Promise.all(services.map(async s => { await s.stop() }))
  services = []
})

function setup (n: number, k: number, opts: { replicaSpan?: number, maxRecords?: number } = {}): { network: MemoryServiceNetwork, nodes: MemoryServiceNode[], kv: KvService[] } {
  t = START
  const { network, nodes } = createMemoryNetwork(n, { k })
  const kv = nodes.map(node => createKvService({ network: node, identity: node.identity, now, republishIntervalMs: 0, ...opts }))
  for (const s of kv) s.start()
  services = kv
  return { network, nodes, kv }
}

async function store (from: MemoryServiceNode, to: MemoryServiceNode, record: KvRecord): Promise<StoreReply> {
  return decodeStoreReply(await from.request(to.self, KV_SERVICE, encodeKvRequest({ type: 'store', record: encodeRecord(record) })))
}

describe('kv stores are taken only by replicas', () => {
  it('a store for a key this node is far from is refused (KV_NOT_REPLICA); one it is near is kept', async () => {
    const { network, nodes, kv } = setup(40, 6, { replicaSpan: 9 })
    const owner = generateIdentity()
    const target = nodes[0]
    let far: KvRecord | undefined
    let near: KvRecord | undefined
    for (let i = 0; (far === undefined || near === undefined) && i < 10_000; i++) {
      const key = Buffer.from(`key-${i}`)
      const rank = network.closestNodes(recordLocation(owner.publicKey, key), 40).indexOf(target)
      const r = signRecord(owner, { key, value: Buffer.from('v'), sequence: 1, expires: START + HOUR })
      if (rank >= 20 && far === undefined) far = r
      if (rank >= 0 && rank < 3 && near === undefined) near = r
    }
    if (far === undefined || near === undefined) throw new Error('no suitable keys')
    expect(await store(nodes[1], target, far)).toEqual({ accepted: false, code: KvErrorCode.NOT_REPLICA })
    expect(kv[0].store.get(recordLocation(far.namespace, far.key))).toBeUndefined()
    expect(await store(nodes[1], target, near)).toEqual({ accepted: true })
    expect(kv[0].store.get(recordLocation(near.namespace, near.key))?.value.toString()).toBe('v')
  })

  it('one peer storing 10 000 records is cut off at its hourly quota; honest records still fit', async () => {
    // Three nodes: every node is a replica of every key, so only the quota can stop the flood.
    const { nodes, kv } = setup(3, 6)
    const [replica, flooder, honest] = nodes
    const attacker = generateIdentity()
    const verdicts: StoreReply[] = []
    for (let i = 0; i < 10_000; i += 250) {
      const batch = Array.from({ length: 250 }, (_, j) =>
        signRecord(attacker, { key: Buffer.from(`junk-${i + j}`), value: Buffer.alloc(64, 1), sequence: 1, expires: START + 30 * 24 * HOUR }))
      verdicts.push(...await Promise.all(batch.map(async r => await store(flooder, replica, r))))
    }
    const accepted = verdicts.filter(v => v.accepted).length
    expect(accepted).toBe(500)
    expect(verdicts.slice(500).every(v => !v.accepted && v.code === KvErrorCode.OVER_QUOTA)).toBe(true)
    expect(kv[0].store.size).toBe(500)

    // Another peer's records are not held back by the flood.
    const owner = honest.identity
    for (let i = 0; i < 100; i++) {
      const r = signRecord(owner, { key: Buffer.from(`mine-${i}`), value: Buffer.from('ok'), sequence: 1, expires: START + HOUR })
      expect(await store(honest, replica, r)).toEqual({ accepted: true })
    }
    expect(kv[0].store.size).toBe(600)

    // An hour later the flooder gets a fresh quota, but never more than its share of the table.
    let more = 0
    for (let hour = 1; hour <= 4; hour++) {
      t = START + hour * HOUR
      for (let i = 0; i < 600; i++) {
        const r = signRecord(attacker, { key: Buffer.from(`later-${hour}-${i}`), value: Buffer.alloc(8), sequence: 1, expires: START + 30 * 24 * HOUR })
        const v = await store(flooder, replica, r)
        if (v.accepted) more++
        else { expect(v.code).toBe(KvErrorCode.OVER_QUOTA); break }
      }
    }
    expect(500 + more).toBe(1_000)
  })

  it('peers at one /24 share a network quota: three identities on one network cannot take three peers\' worth', async () => {
    const { nodes, kv } = setup(5, 6)
    const [replica, ...peers] = nodes
    // Three identities behind one network (Sybils are cheap: a rank-8 identity is 256 hashes), one honest peer elsewhere.
    peers[0].self.endpoint = { address: '203.0.113.5', port: 9151 }
    peers[1].self.endpoint = { address: '203.0.113.6', port: 9151 }
    peers[2].self.endpoint = { address: '203.0.113.7', port: 9151 }
    peers[3].self.endpoint = { address: '198.51.100.9', port: 9151 }
    const attacker = generateIdentity()
    let accepted = 0
    for (let p = 0; p < 3; p++) {
      const batch = Array.from({ length: 800 }, (_, j) =>
        signRecord(attacker, { key: Buffer.from(`s${p}-${j}`), value: Buffer.alloc(8), sequence: 1, expires: START + 24 * HOUR }))
      const verdicts = await Promise.all(batch.map(async r => await store(peers[p], replica, r)))
      accepted += verdicts.filter(v => v.accepted).length
      expect(verdicts.every(v => v.accepted || v.code === KvErrorCode.OVER_QUOTA)).toBe(true)
    }
    expect(accepted).toBe(1_000)
    for (let i = 0; i < 100; i++) {
      const r = signRecord(peers[3].identity, { key: Buffer.from(`h${i}`), value: Buffer.from('ok'), sequence: 1, expires: START + HOUR })
      expect(await store(peers[3], replica, r)).toEqual({ accepted: true })
    }
    expect(kv[0].store.size).toBe(1_100)
  })

  it('a record already held is re-sent (republished) without using the quota', async () => {
    const { nodes, kv } = setup(3, 6)
    const [replica, owner] = nodes
    const records = Array.from({ length: 500 }, (_, i) =>
      signRecord(owner.identity, { key: Buffer.from(`k${i}`), value: Buffer.from('v'), sequence: 1, expires: START + 24 * HOUR }))
    for (const r of records) expect((await store(owner, replica, r)).accepted).toBe(true)
    for (const r of records.slice(0, 50)) expect(await store(owner, replica, r)).toEqual({ accepted: true })
    expect(kv[0].store.size).toBe(500)
  })
})
