import { afterAll, afterEach, describe, expect, it, vi } from 'vitest'
import { ChunkCipherErrorCode, encryptChunk } from '../../../../src/node/crypto/chunk-cipher.js'
import { sha256 } from '../../../../src/node/crypto/hash.js'
import { isTornetError } from '../../../../src/node/errors.js'
import { describeChunk } from '../../../../src/node/services/chunks/chunk-format.js'
import type { Contact } from '../../../../src/node/routing/contact.js'
import { ChunkCryptoPool } from '../../../../src/node/services/chunks/crypto-pool.js'
import { type ChunkNode, ChunkTestnet, corruptSlices, interceptStreams } from './chunk-testnet.js'

/**
 * A reader's path through the chunk service (`source.open`): the chunk downloaded slice by
 * slice, then its id check and decryption in one worker job, the plaintext returned and the
 * ciphertext cached.
 */
let nets: ChunkTestnet[] = []
const pool = new ChunkCryptoPool({ threads: 1 })
afterEach(async () => {
  for (const n of nets) await n.close()
  nets = []
})
afterAll(async () => { await pool.close() })

function plainOf (seed: number, length: number): Buffer {
  const out = Buffer.allocUnsafe(length)
  for (let o = 0; o < length; o += 32) sha256(Buffer.from(`open ${seed} ${o}`)).copy(out, o, 0, Math.min(32, length - o))
  return out
}

async function publishOn (nodes: ChunkNode[], id: Buffer, bytes: Buffer): Promise<void> {
  for (const n of nodes) {
    await n.store.chunks.putLocal(id, bytes)
    expect((await n.service.publish([id])).announced).toBe(1)
  }
}

async function codeOf (p: Promise<unknown>): Promise<string | undefined> {
  try { await p } catch (err) { return isTornetError(err) ? err.code : String(err) }
  return undefined
}

/** A network of `nodes`, one chunk of `length` bytes published on the first `providers`, the next node reading. */
async function chunkOn (nodes: number, providers: number, seed: number, length: number, credit?: Map<string, number>) {
  const onVerifiedContent = credit === undefined ? undefined : (p: Contact, n: number) => { credit.set(p.id.toString('hex'), (credit.get(p.id.toString('hex')) ?? 0) + n) }
  const t = new ChunkTestnet({ nodes, service: { cacheOnDemand: false, crypto: pool, onVerifiedContent } })
  nets.push(t)
  const plain = plainOf(seed, length)
  const { key, cipher, id } = encryptChunk(plain)
  await publishOn(t.nodes.slice(0, providers), id, cipher)
  return { t, plain, key, cipher, id, providers: t.nodes.slice(0, providers), reader: t.nodes[providers] }
}

describe('source.open (download, id check and decryption as one job)', () => {
  it('returns the plaintext, caches the ciphertext, and hashes each byte once on the way', async () => {
    const { plain, key, cipher, id, reader } = await chunkOn(10, 3, 1, 1024 * 1024 - 100)
    const open = reader.service.source.open
    expect(open).toBeDefined()
    const hashes = vi.spyOn(pool, 'sha256')
    const offloaded = pool.stats.offloaded
    const got = await open!(id, key, { descriptor: describeChunk(cipher), group: 'g' })
    expect(got.equals(plain)).toBe(true)
    expect(hashes).not.toHaveBeenCalled() // the id check rode in the decryption job
    expect(pool.stats.offloaded).toBe(offloaded + 1)
    hashes.mockRestore()
    await vi.waitFor(() => { expect(reader.store.chunks.has(id)).toBe(true) })
    expect(reader.store.chunks.get(id)?.equals(cipher)).toBe(true)
    // Cached now: the next open is a local hit, decrypted with the key check.
    const again = await open!(id, key)
    expect(again.equals(plain)).toBe(true)
    expect(reader.service.stats.localHits).toBe(1)
  })

  it('without a descriptor (a root chunk) asks a provider for it and checks the id the same way', async () => {
    const { plain, key, id, reader } = await chunkOn(8, 2, 2, 300_000)
    expect((await reader.service.source.open!(id, key)).equals(plain)).toBe(true)
  })

  it('fails a key that does not fit with CHUNK_KEY_MISMATCH, and still caches the intact chunk', async () => {
    const { key, cipher, id, reader } = await chunkOn(8, 2, 3, 500_000)
    const wrong = Buffer.from(key); wrong[0] ^= 0x80
    expect(await codeOf(reader.service.source.open!(id, wrong, { descriptor: describeChunk(cipher) }))).toBe(ChunkCipherErrorCode.KEY_MISMATCH)
    await vi.waitFor(() => { expect(reader.store.chunks.has(id)).toBe(true) })
    expect(reader.service.bannedPeers.size).toBe(0) // the providers sent the right bytes
  })

  it('bans a provider whose slices are corrupt and gets them elsewhere, crediting only the verified slices', async () => {
    const credit = new Map<string, number>()
    const { plain, key, cipher, id, reader, providers: [liar] } = await chunkOn(10, 3, 4, 1024 * 1024 - 8, credit)
    interceptStreams(liar, corruptSlices)
    const got = await reader.service.source.open!(id, key, { descriptor: describeChunk(cipher) })
    expect(got.equals(plain)).toBe(true)
    expect(reader.service.bannedPeers.has(liar.id)).toBe(true)
    expect(reader.service.bannedPeers.size).toBe(1)
    // The assembled buffer went to a worker for the id check; the credit still adds up to the chunk.
    expect(credit.get(liar.id.toString('hex')) ?? 0).toBe(0)
    expect([...credit.values()].reduce((a, b) => a + b, 0)).toBe(cipher.length)
  })
})
