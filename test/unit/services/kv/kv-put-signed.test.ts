import { afterEach, describe, expect, it } from 'vitest'
import { isTornetError } from '../../../../src/node/errors.js'
import { generateIdentity, sign } from '../../../../src/node/identity/identity.js'
import { KvErrorCode } from '../../../../src/node/services/kv/errors.js'
import { type KvService, createKvService } from '../../../../src/node/services/kv/kv-service.js'
import type { RecordSigner } from '../../../../src/node/services/kv/record.js'
import { createMemoryNetwork } from '../../../helpers/memory-service-network.js'

let services: KvService[] = []
afterEach(async () => { await Promise.all(services.map(async s => { await s.stop() })) })

function setup (): KvService[] {
  const { nodes } = createMemoryNetwork(20, { k: 6 })
  services = nodes.map(n => createKvService({ network: n, identity: n.identity, republishIntervalMs: 0 }))
  for (const s of services) s.start()
  return services
}

const signerOf = (id = generateIdentity()): RecordSigner => ({ publicKey: id.publicKey, sign: m => sign(id, m) })

describe('kv putSigned (records signed by another key)', () => {
  it('stores a record in the signer\'s namespace that any node gets, and a later put replaces it', async () => {
    const kv = setup()
    const signer = signerOf()
    const r = await kv[0].putSigned(signer, 'hs-descriptor', 'first', { ttlMs: 60_000 })
    expect(r.accepted).toBeGreaterThan(0)
    expect(r.record.namespace).toEqual(signer.publicKey)
    expect((await kv[13].get(signer.publicKey, 'hs-descriptor'))?.value.toString()).toBe('first')
    await new Promise(resolve => setTimeout(resolve, 2))
    await kv[5].putSigned(signer, 'hs-descriptor', 'second', { ttlMs: 60_000 })
    expect((await kv[9].get(signer.publicKey, 'hs-descriptor'))?.value.toString()).toBe('second')
    // Not this node's own record: kv does not republish it (the caller does).
    expect(kv[0].owned()).toEqual([])
  })

  it('replicas refuse a record whose signature is not by the namespace key', async () => {
    const kv = setup()
    const liar: RecordSigner = { publicKey: generateIdentity().publicKey, sign: signerOf().sign }
    const err = await kv[0].putSigned(liar, 'k', 'v').then(() => undefined, (e: unknown) => e)
    expect(isTornetError(err, KvErrorCode.BAD_SIGNATURE)).toBe(true)
    expect(await kv[3].get(liar.publicKey, 'k')).toBeUndefined()
  })
})
