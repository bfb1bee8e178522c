import { afterEach, describe, expect, it } from 'vitest'
import { isTornetError } from '../../../../src/node/errors.js'
import { generateIdentity } from '../../../../src/node/identity/identity.js'
import { makeContact } from '../../../../src/node/routing/contact.js'
import { ChunkErrorCode } from '../../../../src/node/services/chunks/errors.js'
import { encodeProviderList } from '../../../../src/node/services/chunks/messages.js'
import { findProviders } from '../../../../src/node/services/chunks/provider-finder.js'
import { createProviderRecord } from '../../../../src/node/services/chunks/provider-record.js'
import { checkUsableRecord } from '../../../../src/node/services/chunks/record-admission.js'
import type { ServiceNetwork } from '../../../../src/node/services/service-network.js'
import { ChunkTestnet, fakeChunk } from './chunk-testnet.js'

const NOW = 1_700_000_000_000
const chunkId = Buffer.alloc(32, 0x42)

/** A network whose FIND_VALUE brings back `list` and whose closest nodes know nothing more. */
function networkAnswering (list: Uint8Array): ServiceNetwork {
  const self = makeContact(Buffer.alloc(32, 1), { address: '198.51.100.1', port: 1 })
  return {
    self,
    closest: async () => [],
    findValue: async () => ({ value: Buffer.from(list), from: makeContact(Buffer.alloc(32, 2), { address: '198.51.100.2', port: 2 }) }),
    request: async () => { throw new Error('not used') },
    openStream: async () => { throw new Error('not used') },
    registerService: () => {},
    registerValueProvider: () => {}
  }
}

describe('findProviders', () => {
  it('ignores records naming loopback, private or multicast endpoints unless configured for them', async () => {
    const ids = Array.from({ length: 4 }, () => generateIdentity())
    const endpoints = ['127.0.0.1', '192.168.1.1', '239.1.1.1', '198.51.100.7'].map(address => ({ address, port: 4000 }))
    const list = encodeProviderList(ids.map((id, i) => createProviderRecord(id, endpoints[i], chunkId, NOW + 60_000)))
    const deps = (allowPrivateEndpoints: boolean): Parameters<typeof findProviders>[0] => ({
      network: networkAnswering(list),
      now: () => NOW,
      requestTimeoutMs: 1000,
      fallbackQueries: 0,
      fallbackParallel: 1,
      usable: (r, now, id) => checkUsableRecord({ minRank: 0, allowPrivateEndpoints }, r, now, id) === undefined
    })
    const strict = await findProviders(deps(false), chunkId, { want: 4 })
    expect(strict.records.map(r => r.provider.endpoint.address)).toEqual(['198.51.100.7'])
    const lan = await findProviders(deps(true), chunkId, { want: 4 })
    expect(lan.records.map(r => r.provider.endpoint.address)).toEqual(endpoints.map(e => e.address))
  })
})

describe('findProviders on an in-memory network: the seed\'s early stop', () => {
  let t: ChunkTestnet | undefined
  afterEach(async () => { await t?.close(); t = undefined })

  async function notFoundOf (p: Promise<unknown>): Promise<number> {
    const e = await p.then(() => { throw new Error('expected NOT_FOUND') }, (err: unknown) => err)
    expect(isTornetError(e, ChunkErrorCode.NOT_FOUND)).toBe(true)
    return (e as { notFound: number }).notFound
  }

  it('a chunk that enough distinct peers looked for in vain: the lookup stops at a quorum of the closest and skips GET_PROVIDERS', async () => {
    t = new ChunkTestnet({ nodes: 30, k: 8, service: { cacheOnDemand: false } })
    const ghost = fakeChunk(900, 4096).id
    // Searchers from the far end of the id space: none of them is among the nodes asked.
    const searchers = t.byDistance(ghost).slice(-8)
    // Seven distinct peers search in vain (each a full lookup plus the GET_PROVIDERS fallback).
    for (const s of searchers.slice(0, 7)) await notFoundOf(s.service.source.get(ghost))
    const before = { ...t.network.stats }
    // The eighth: the three nearest nodes now report 8 distinct askers, a quorum at the default threshold.
    const notFound = await notFoundOf(searchers[7].service.source.get(ghost))
    expect(t.network.stats.valueQueries - before.valueQueries).toBe(3)
    expect(t.network.stats.requests - before.requests).toBe(0)
    expect(notFound).toBe(8)
  })

  it('one peer asking again and again is one asker: its lookups run their course', async () => {
    t = new ChunkTestnet({ nodes: 30, k: 8, service: { cacheOnDemand: false } })
    const ghost = fakeChunk(901, 4096).id
    const [repeater] = t.byDistance(ghost).slice(-1)
    for (let i = 0; i < 9; i++) await notFoundOf(repeater.service.source.get(ghost))
    const before = { ...t.network.stats }
    await notFoundOf(repeater.service.source.get(ghost))
    expect(t.network.stats.valueQueries - before.valueQueries).toBe(8)
    expect(t.network.stats.requests - before.requests).toBeGreaterThan(0)
  })
})
