import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { type Testnet, createTestnet } from '../../src/node/testnet.js'
import { fakeChunk } from './services/chunks/chunk-testnet.js'

/** Two real nodes on loopback UDP. */
let net: Testnet
beforeAll(async () => { net = await createTestnet(2) }, 30_000)
afterAll(async () => { await net?.close() })

describe('TornetNode wiring', () => {
  it('credits a peer in its k-bucket with the verified chunk bytes it served, not the raw traffic of the chunk service', async () => {
    const [publisher, reader] = net.nodes
    const c = fakeChunk(5, 400_000)
    await publisher.pinChunk(c.id, c.bytes)
    await publisher.chunks.publish([c.id])
    expect((await reader.chunks.source.get(c.id)).equals(c.bytes)).toBe(true)
    // Stream framing, descriptors and provider lists are traffic, not content provided.
    expect(reader.internals.dht.table.get(publisher.identity.id)?.contentProvided).toBe(c.bytes.length)
  }, 30_000)
})
