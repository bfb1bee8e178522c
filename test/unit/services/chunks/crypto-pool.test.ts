import { randomBytes } from 'node:crypto'
import { afterAll, describe, expect, it } from 'vitest'
import { ChunkCipherErrorCode, decryptChunk, encryptChunk } from '../../../../src/node/crypto/chunk-cipher.js'
import { sha256 } from '../../../../src/node/crypto/hash.js'
import { isTornetError } from '../../../../src/node/errors.js'
import { ChunkCryptoPool, type OpenedChunk } from '../../../../src/node/services/chunks/crypto-pool.js'
import { ChunkErrorCode } from '../../../../src/node/services/chunks/errors.js'

/** Deterministic plaintext (so a wrong key's garbage fails the padding check the same way every run). */
function plainOf (seed: number, length: number): Buffer {
  const out = Buffer.allocUnsafe(length)
  for (let o = 0; o < length; o += 32) sha256(Buffer.from(`plain ${seed} ${o}`)).copy(out, o, 0, Math.min(32, length - o))
  return out
}

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

  it('starts no worker once closed: later jobs run on the calling thread', async () => {
    const p = new ChunkCryptoPool({ threads: 1 })
    await p.close()
    const { key, cipher, id } = encryptChunk(randomBytes(400_000))
    expect((await p.sha256(cipher)).equals(id)).toBe(true)
    expect(sha256(await p.decrypt(cipher, key)).equals(key)).toBe(true)
    expect(p.stats.offloaded).toBe(0)
  })

  it('with no threads, does everything inline', async () => {
    const p = new ChunkCryptoPool({ threads: 0 })
    const { key, cipher, id } = encryptChunk(randomBytes(1 << 19))
    expect((await p.sha256(cipher)).equals(id)).toBe(true)
    expect(sha256(await p.decrypt(cipher, key)).equals(key)).toBe(true)
    expect(p.stats.offloaded).toBe(0)
  })

  describe('openChunk (a downloaded chunk: id check and decryption in one job)', () => {
    const pool = new ChunkCryptoPool({ threads: 2 })
    const inline = new ChunkCryptoPool({ threads: 0 })
    afterAll(async () => { await pool.close(); await inline.close() })

    it('answers as on the calling thread: the plaintext, an id mismatch, or a key that does not fit', async () => {
      const plain = plainOf(1, 700_000)
      const { key, cipher, id } = encryptChunk(plain)
      const wrongKey = Buffer.from(key); wrongKey[5] ^= 1
      const corrupt = Buffer.from(cipher); corrupt[300_000] ^= 1
      for (const p of [pool, inline]) {
        const ok = await p.openChunk(cipher, id, key)
        expect(ok.ok && ok.plain.equals(plain)).toBe(true)
        expect(ok.cipher.equals(cipher)).toBe(true)
        const bad = await p.openChunk(corrupt, id, key)
        expect(bad).toMatchObject({ ok: false, reason: 'id-mismatch' })
        const other = await p.openChunk(cipher, id, wrongKey)
        expect(other).toMatchObject({ ok: false, reason: 'bad-key' })
        expect(other.cipher.equals(cipher)).toBe(true) // the bytes are the chunk: still worth caching
      }
      expect(pool.stats.offloaded).toBeGreaterThanOrEqual(3)
      expect(inline.stats.offloaded).toBe(0)
    })

    it('sends a scratch buffer to the worker without a copy, and reuses it once released', async () => {
      const { key, cipher, id } = encryptChunk(plainOf(2, 1024 * 1024 - 64))
      const buf = pool.scratch(cipher.length)
      cipher.copy(buf)
      const r = await pool.openChunk(buf, id, key)
      expect(buf.length).toBe(0) // transferred: this view is detached
      expect(r.ok).toBe(true)
      expect(r.cipher.equals(cipher)).toBe(true) // the same bytes, back in a new view
      pool.release(r.cipher)
      const again = pool.scratch(100_000)
      expect(again.buffer).toBe(r.cipher.buffer)
      pool.release(again)
      pool.release(again) // twice is harmless: it is kept once
      expect(pool.scratch(100_000).buffer).toBe(again.buffer)
      expect(pool.scratch(100_000).buffer).not.toBe(again.buffer)
    })

    it('returns plaintexts in its own buffers, which are reused once released', async () => {
      const own = new ChunkCryptoPool({ threads: 1 })
      try {
        const chunks = [0, 1, 2, 3, 4, 5].map(i => ({ plain: plainOf(10 + i, 700_000 + i * 8), ...encryptChunk(plainOf(10 + i, 700_000 + i * 8)) }))
        // Released after use: two buffers (cipher, plaintext) go round and round.
        for (const c of chunks) {
          const r = await own.openChunk(c.cipher, c.id, c.key)
          if (!r.ok) throw new Error('open failed')
          expect(r.plain.equals(c.plain)).toBe(true)
          const d = await own.decrypt(c.cipher, c.key)
          expect(d.equals(c.plain)).toBe(true)
          own.release(r.plain)
          own.release(d)
        }
        expect(own.stats.buffersAllocated).toBeLessThanOrEqual(3)
        // A released plaintext's memory is the next buffer handed out.
        const last = await own.decrypt(chunks[0].cipher, chunks[0].key)
        own.release(last)
        expect(own.scratch(100_000).buffer).toBe(last.buffer)
        // Kept (never released): each plaintext is a buffer of its own, and stays intact.
        const before = own.stats.buffersAllocated
        const kept = []
        for (const c of chunks) kept.push(await own.decrypt(c.cipher, c.key))
        expect(own.stats.buffersAllocated - before).toBeGreaterThanOrEqual(chunks.length - 1)
        kept.forEach((k, i) => { expect(k.equals(chunks[i].plain)).toBe(true) })
        // Not the pool's: ignored.
        own.release(Buffer.alloc(1024 * 1024 + 64))
        expect(own.scratch(100_000).length).toBe(100_000)
      } finally {
        await own.close()
      }
    })

    it('copies a buffer that is not its own, which stays attached and unchanged', async () => {
      const { key, cipher, id } = encryptChunk(plainOf(3, 200_000))
      const before = Buffer.from(cipher)
      const r = await pool.openChunk(cipher, id, key)
      expect(r.ok).toBe(true)
      expect(r.cipher).toBe(cipher)
      expect(cipher.equals(before)).toBe(true)
    })

    it('hands out plain buffers where a worker could not take them', () => {
      expect(inline.scratch(500_000).buffer.byteLength).toBeLessThan(1024 * 1024) // no pool without threads
      expect(pool.scratch(100).length).toBe(100) // too small to offload: an ordinary buffer
    })

    it('fails clearly when the worker holding a transferred chunk dies', async () => {
      const p = new ChunkCryptoPool({ threads: 1 })
      const { key, cipher, id } = encryptChunk(plainOf(4, 900_000))
      const buf = p.scratch(cipher.length)
      cipher.copy(buf)
      const job = p.openChunk(buf, id, key)
      // Kill the worker while it holds the only copy.
      const slots = (p as unknown as { slots: Array<{ worker: { terminate: () => Promise<number> } }> }).slots
      expect(slots.length).toBe(1)
      void slots[0].worker.terminate()
      const outcome = await job.then((r: OpenedChunk) => r, (err: unknown) => err)
      if (isTornetError(outcome)) expect(outcome.code).toBe(ChunkErrorCode.WORKER_FAILED)
      else expect((outcome as OpenedChunk).ok).toBe(true) // the worker finished first
      // The pool runs inline from then on, with the same answers.
      const again = await p.openChunk(cipher, id, key)
      expect(again.ok).toBe(true)
      await p.close()
    })
  })
})
