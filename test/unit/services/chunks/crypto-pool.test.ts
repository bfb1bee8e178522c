import { randomBytes } from 'node:crypto'
import { afterAll, describe, expect, it } from 'vitest'
import { ChunkCipherErrorCode, decryptChunk, encryptChunk } from '../../../../src/node/crypto/chunk-cipher.js'
import { sha256 } from '../../../../src/node/crypto/hash.js'
import { isTornetError } from '../../../../src/node/errors.js'
import { ChunkCryptoPool } from '../../../../src/node/services/chunks/crypto-pool.js'

async function codeOf (p: Promise<unknown>): Promise<string | undefined> {
  try { await p } catch (err) { return isTornetError(err) ? err.code : String(err) }
  return undefined
}

describe('chunk crypto pool', () => {
  const pool = new ChunkCryptoPool({ threads: 2 })
  afterAll(async () => { await pool.close() })

  it('hashes and decrypts on its workers exactly as the functions on this thread do', async () => {
    for (const n of [65_536, 300_001, 1024 * 1024 - 8]) {
      const plain = randomBytes(n)
      const { key, cipher, id } = encryptChunk(plain)
      expect((await pool.sha256(cipher)).equals(id)).toBe(true)
      const got = await pool.decrypt(cipher, key)
      expect(got.equals(plain)).toBe(true)
      expect(got.equals(decryptChunk(cipher, key))).toBe(true)
    }
    expect(pool.stats.offloaded).toBe(6)
  })

  it('leaves the caller\'s bytes attached and unchanged', async () => {
    const { key, cipher } = encryptChunk(randomBytes(500_000))
    const before = Buffer.from(cipher)
    await Promise.all([pool.sha256(cipher), pool.decrypt(cipher, key)])
    expect(cipher.buffer.byteLength).toBeGreaterThan(0) // not detached by a transfer
    expect(cipher.equals(before)).toBe(true)
  })

  it('runs many jobs at once, each answered with its own result', async () => {
    const chunks = Array.from({ length: 12 }, (_, i) => encryptChunk(randomBytes(100_000 + i * 8)))
    const plains = await Promise.all(chunks.map(async c => await pool.decrypt(c.cipher, c.key)))
    const ids = await Promise.all(chunks.map(async c => await pool.sha256(c.cipher)))
    for (const [i, c] of chunks.entries()) {
      expect(sha256(plains[i]).equals(c.key)).toBe(true)
      expect(ids[i].equals(c.id)).toBe(true)
    }
  })

  it('fails a wrong key or corrupted bytes with CHUNK_KEY_MISMATCH, malformed input as decryptChunk does', async () => {
    const { key, cipher } = encryptChunk(randomBytes(200_000))
    const wrongKey = Buffer.from(key); wrongKey[0] ^= 1
    expect(await codeOf(pool.decrypt(cipher, wrongKey))).toBe(ChunkCipherErrorCode.KEY_MISMATCH)
    const corrupt = Buffer.from(cipher); corrupt[100_000] ^= 1
    expect(await codeOf(pool.decrypt(corrupt, key))).toBe(ChunkCipherErrorCode.KEY_MISMATCH)
    expect(await codeOf(pool.decrypt(cipher.subarray(0, cipher.length - 3), key))).toBe(ChunkCipherErrorCode.MALFORMED)
    expect(await codeOf(pool.decrypt(cipher, key.subarray(0, 16)))).toBe(ChunkCipherErrorCode.BAD_KEY)
  })

  it('keeps small inputs on the calling thread', async () => {
    const p = new ChunkCryptoPool({ threads: 1 })
    const { key, cipher, id } = encryptChunk(Buffer.from('a small record'))
    expect((await p.decrypt(cipher, key)).toString()).toBe('a small record')
    expect((await p.sha256(cipher)).equals(id)).toBe(true)
    expect(p.stats).toMatchObject({ offloaded: 0, inline: 2 })
    await p.close()
  })

  it('finishes jobs in flight on the calling thread when it is closed under them', async () => {
    const p = new ChunkCryptoPool({ threads: 1 })
    const chunks = Array.from({ length: 6 }, () => encryptChunk(randomBytes(400_000)))
    const jobs = chunks.map(async c => await p.decrypt(c.cipher, c.key))
    await p.close()
    const plains = await Promise.all(jobs)
    for (const [i, c] of chunks.entries()) expect(sha256(plains[i]).equals(c.key)).toBe(true)
  })

  it('with no threads, does everything inline', async () => {
    const p = new ChunkCryptoPool({ threads: 0 })
    const { key, cipher, id } = encryptChunk(randomBytes(1 << 19))
    expect((await p.sha256(cipher)).equals(id)).toBe(true)
    expect(sha256(await p.decrypt(cipher, key)).equals(key)).toBe(true)
    expect(p.stats.offloaded).toBe(0)
  })
})
