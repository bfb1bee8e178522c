import { describe, expect, it } from 'vitest'
import { generateIdentity } from '../../../../src/node/identity/identity.js'
import { makeContact } from '../../../../src/node/routing/contact.js'
import { encodeProviderList } from '../../../../src/node/services/chunks/messages.js'
import { findProviders } from '../../../../src/node/services/chunks/provider-finder.js'
import { createProviderRecord } from '../../../../src/node/services/chunks/provider-record.js'
import { checkUsableRecord } from '../../../../src/node/services/chunks/record-admission.js'
import type { ServiceNetwork } from '../../../../src/node/services/service-network.js'

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
