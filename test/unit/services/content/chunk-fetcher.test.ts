import { describe, expect, it } from 'vitest'
import { ChunkCipherErrorCode, decryptChunk } from '../../../../src/node/crypto/chunk-cipher.js'
import { sha256 } from '../../../../src/node/crypto/hash.js'
import { TornetError, isTornetError } from '../../../../src/node/errors.js'
import { FsErrorCode } from '../../../../src/node/services/content/errors.js'
import type { ChunkCrypto } from '../../../../src/node/services/chunks/crypto-pool.js'
import { type ChunkGetOptions, MemoryLocationIndex, openReference, publish } from '../../../../src/node/services/content/index.js'
import { collect, fileOf, MemoryChunks, prng } from './memory-chunks.js'
import { chunkCryptoForFile } from '../../../helpers/chunk-crypto.js'

const pool = chunkCryptoForFile()

const limits = { partBytes: 100_000, smallFileMax: 1000 }

/** A source that records what each get was told, over a MemoryChunks. */
class RecordingSource extends MemoryChunks {
  readonly calls: Array<{ id: string, group?: string, descriptor: boolean }> = []
  override async get (id: Buffer, opts: ChunkGetOptions = {}): Promise<Buffer> {
    this.calls.push({ id: id.toString('hex'), group: opts.group, descriptor: opts.descriptor !== undefined })
    return await super.get(id)
  }
}

describe('ChunkFetcher', () => {
  it('decrypts through the crypto it is given, and names the blob of each part to the source', async () => {
    const content = await collect(prng(7, 450_000)())
    const source = new RecordingSource()
    const ref = await publish([fileOf('big.bin', content), fileOf('small.txt', 'hi')], source, new MemoryLocationIndex(), { limits })
    let decrypts = 0
    const crypto: Pick<ChunkCrypto, 'sha256' | 'decrypt'> = {
      sha256: async () => { throw new Error('not used by readers') },
      decrypt: async (cipher, key) => { decrypts++; return decryptChunk(cipher, key) }
    }
    const fs = await openReference(ref, source, { crypto })
    expect((await fs.readAll('big.bin')).equals(content)).toBe(true)
    expect((await fs.readAll('small.txt')).toString()).toBe('hi')
    expect(decrypts).toBe(source.calls.length)
    const parts = source.calls.filter(c => c.descriptor)
    expect(parts.length).toBe(5)
    expect(new Set(parts.map(c => c.group)).size).toBe(1) // one blob, one group
    expect(parts[0].group).toMatch(/^[0-9a-f]{64}$/)
    expect(source.calls.filter(c => !c.descriptor).every(c => c.group === undefined)).toBe(true)
  })

  it('keeps records in its cache but not the parts of a file it streams', async () => {
    const content = await collect(prng(8, 350_000)())
    const source = new RecordingSource()
    const ref = await publish([fileOf('big.bin', content)], source, new MemoryLocationIndex(), { limits })
    const fs = await openReference(ref, source, { crypto: pool })
    expect((await fs.readAll('big.bin')).equals(content)).toBe(true)
    const first = source.calls.length
    expect((await fs.readAll('big.bin')).equals(content)).toBe(true)
    // Again: the four parts are fetched anew, the header (and root) come from the cache.
    expect(source.calls.slice(first).map(c => c.descriptor)).toEqual([true, true, true, true])
  })

  describe('with a source that opens chunks itself (the chunk service)', () => {
    /** `open` checks the id and decrypts without the key check, as the chunk service does. */
    class OpeningSource extends RecordingSource {
      opens = 0
      failWith?: Error
      async open (id: Buffer, key: Buffer): Promise<Buffer> {
        this.opens++
        if (this.failWith !== undefined) throw this.failWith
        const cipher = await super.get(id)
        if (!sha256(cipher).equals(id)) throw new Error('id mismatch')
        return decryptChunk(cipher, key, { checkKey: false })
      }
    }

    it('reads through open, not get and decrypt', async () => {
      const content = await collect(prng(9, 250_000)())
      const source = new OpeningSource()
      const ref = await publish([fileOf('f.bin', content)], source, new MemoryLocationIndex(), { limits })
      const gets = source.calls.length
      let decrypts = 0
      const crypto = { decrypt: async (c: Uint8Array, k: Uint8Array) => { decrypts++; return decryptChunk(c, k) } }
      const fs = await openReference(ref, source, { crypto })
      expect((await fs.readAll('f.bin')).equals(content)).toBe(true)
      expect(source.opens).toBeGreaterThanOrEqual(4) // root, header, parts
      expect(source.calls.length).toBe(gets + source.opens) // each open read the chunk once
      expect(decrypts).toBe(0)
    })

    it('turns a chunk that does not decrypt into FS_CHUNK_MISMATCH, and passes network errors through', async () => {
      const source = new OpeningSource()
      const ref = await publish([fileOf('a.txt', 'hello')], source, new MemoryLocationIndex(), { limits })
      source.failWith = new TornetError(ChunkCipherErrorCode.KEY_MISMATCH, 'does not decrypt')
      const mismatch = await openReference(ref, source, { crypto: pool }).then(() => undefined, (err: unknown) => err)
      expect(isTornetError(mismatch) && mismatch.code).toBe(FsErrorCode.CHUNK_MISMATCH)
      source.failWith = new TornetError('CHUNK_NOT_FOUND', 'nobody has it')
      const missing = await openReference(ref, source, { crypto: pool }).then(() => undefined, (err: unknown) => err)
      expect(isTornetError(missing) && missing.code).toBe('CHUNK_NOT_FOUND')
    })
  })
})
