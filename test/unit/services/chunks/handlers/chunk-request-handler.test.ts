import { randomBytes } from 'node:crypto'
import { describe, expect, it } from 'vitest'
import { type Identity, generateIdentity, identityFromKeys, rankOf } from '../../../../../src/node/identity/identity.js'
import { makeContact, type Contact } from '../../../../../src/node/routing/contact.js'
import { decodeChunkMessage, encodeChunkMessage } from '../../../../../src/node/services/chunks/messages.js'
import { createProviderRecord } from '../../../../../src/node/services/chunks/provider-record.js'
import { ProviderRecords } from '../../../../../src/node/services/chunks/provider-records.js'
import { type ChunkRequestDeps, createChunkRequestHandler } from '../../../../../src/node/services/chunks/handlers/chunk-request-handler.js'

const NOW = 1_700_000_000_000
const DAY = 24 * 60 * 60_000

/** An identity of at least `rank` (a few hundred hashes at most for the ranks used here). */
function identityOfRank (rank: number): Identity {
  const base = generateIdentity()
  const nonce = Buffer.alloc(8)
  for (let i = 0; ; i++) {
    nonce.writeUInt32LE(i, 0)
    if (rankOf(base.publicKey, nonce) >= rank) return identityFromKeys(base.secretKey, base.publicKey, Buffer.from(nonce))
  }
}

function contactOf (id: Identity, address = '198.51.100.9'): Contact {
  return makeContact(id.id, { address, port: 4000 }, { publicKey: id.publicKey, nonce: id.nonce, rank: id.rank })
}

function handler (records: ProviderRecords, extra: Partial<ChunkRequestDeps> = {}): (from: Identity, record: ReturnType<typeof createProviderRecord>) => Promise<boolean> {
  const deps = {
    records,
    now: () => NOW,
    providerList: () => [],
    describe: () => undefined,
    noteMissing: () => 0,
    onCacheRequest: () => false,
    isStopped: () => false,
    counters: { malformedRequests: 0, recordsAccepted: 0, recordsRejected: 0, notFoundAnswered: 0, descriptorsServed: 0 },
    admission: { minRank: 4, allowPrivateEndpoints: false, isNear: () => true },
    ...extra
  } as unknown as ChunkRequestDeps
  const onRequest = createChunkRequestHandler(deps)
  return async (from, record) => {
    const reply = decodeChunkMessage(Buffer.from(await onRequest(Buffer.from(encodeChunkMessage({ type: 'addProvider', record })),
      { from: contactOf(from), signal: new AbortController().signal })))
    return reply.type === 'added' && reply.accepted
  }
}

const ep = { address: '198.51.100.9', port: 4000 }

describe('ADD_PROVIDER admission', () => {
  it('one identity sending 10,000 ADD_PROVIDERs with 24 h TTLs flushes no honest record, and honest ones still get in', async () => {
    const records = new ProviderRecords()
    const add = handler(records)
    const honest = Array.from({ length: 20 }, () => identityOfRank(4))
    const honestChunks = honest.map(() => randomBytes(32))
    for (let i = 0; i < honest.length; i++) {
      // Honest providers announce with the default 3 h lifetime.
      expect(await add(honest[i], createProviderRecord(honest[i], ep, honestChunks[i], NOW + 3 * 60 * 60_000))).toBe(true)
    }
    const attacker = identityOfRank(4)
    let accepted = 0
    for (let i = 0; i < 10_000; i++) {
      if (await add(attacker, createProviderRecord(attacker, ep, randomBytes(32), NOW + DAY))) accepted++
    }
    // Every honest record is still there.
    for (let i = 0; i < honest.length; i++) {
      expect(records.get(honestChunks[i], NOW).map(r => r.provider.id.toString('hex'))).toEqual([honest[i].id.toString('hex')])
    }
    // The attacker got no more than its quota.
    expect(accepted).toBeLessThanOrEqual(records.maxPerProvider)
    // A newcomer is still accepted, for a new chunk and for one the attacker announced too.
    const late = identityOfRank(4)
    expect(await add(late, createProviderRecord(late, ep, randomBytes(32), NOW + 3 * 60 * 60_000))).toBe(true)
    expect(await add(honest[0], createProviderRecord(honest[0], ep, randomBytes(32), NOW + 60_000))).toBe(true)
  }, 60_000)

  it('refuses a record below minRank, for a chunk this node is not near, naming a private endpoint, or relayed by another node', async () => {
    const records = new ProviderRecords()
    const good = identityOfRank(4)
    const chunk = randomBytes(32)
    const far = randomBytes(32)
    const add = handler(records, { admission: { minRank: 4, allowPrivateEndpoints: false, isNear: (id: Buffer) => !id.equals(far) } } as unknown as Partial<ChunkRequestDeps>)
    let low = generateIdentity()
    while (low.rank >= 4) low = generateIdentity()
    expect(await add(low, createProviderRecord(low, ep, chunk, NOW + 60_000))).toBe(false)
    expect(await add(good, createProviderRecord(good, ep, far, NOW + 60_000))).toBe(false)
    for (const address of ['127.0.0.1', '10.1.2.3', '192.168.0.1', '172.16.5.5', '169.254.1.1', '224.0.0.251', '::1', 'fe80::1', 'fd00::1', 'ff02::1', '::ffff:127.0.0.1']) {
      expect(await add(good, createProviderRecord(good, { address, port: 4000 }, chunk, NOW + 60_000)), address).toBe(false)
    }
    // A record of another provider sent by `good`: ADD_PROVIDER is for one's own records.
    const other = identityOfRank(4)
    expect(await add(good, createProviderRecord(other, ep, chunk, NOW + 60_000))).toBe(false)
    expect(records.size).toBe(0)
    expect(await add(good, createProviderRecord(good, ep, chunk, NOW + 60_000))).toBe(true)
    // Private endpoints are fine on a network configured for them (a LAN, tests on 127.0.0.1).
    const lan = handler(records, { admission: { minRank: 4, allowPrivateEndpoints: true, isNear: () => true } } as unknown as Partial<ChunkRequestDeps>)
    expect(await lan(other, createProviderRecord(other, { address: '127.0.0.1', port: 4000 }, chunk, NOW + 60_000))).toBe(true)
  })
})
